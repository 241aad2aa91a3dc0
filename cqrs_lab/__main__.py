from cqrs_lab.cli import main

raise SystemExit(main())
