"""The catalog query answers a page at a time, the same on the projection and the CRUD twin."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cqrs_lab.lab import Lab
from cqrs_lab.read.catalog_page import MAX_PAGE, PAGE_ROWS
from cqrs_lab.script.actions import Query
from cqrs_lab.script.errors import ScriptError
from cqrs_lab.script.parser import parse_line
from cqrs_lab.tui.completion import Vocabulary, complete
from tests.backends import BACKENDS, database_for
from tests.lab_helpers import new_lab, run

PRODUCTS = 200


def products(count: int) -> str:
    return "\n".join(f'add-product p{i:04} "Product {i}" 1.00 {i % 7 + 1}' for i in range(count))


@pytest.fixture(scope="module")
def big_shop() -> Iterator[Lab]:
    lab = new_lab()
    run(lab, products(PRODUCTS) + "\nsettle")
    yield lab
    lab.close()


@given(
    page=st.integers(1, MAX_PAGE),
    crud=st.booleans(),
    before=st.booleans(),
)
def test_page_n_parses_wherever_it_stands(page: int, crud: bool, before: bool) -> None:
    options = " --crud" if crud else ""
    words = f"{options} page {page}" if before else f" page {page}{options}"
    line = f"query catalog{words}"
    assert parse_line(line) == Query("catalog", None, crud, page=page)


@given(word=st.one_of(st.just(0), st.integers(MAX_PAGE + 1), st.sampled_from(["x", "2.5", "1e3"])))
def test_a_page_out_of_range_is_one_clear_line(word: object) -> None:
    with pytest.raises(ScriptError, match="page: N must be a whole number from 1 to 1,000,000"):
        parse_line(f"query catalog page {word}")


def test_page_needs_a_number_and_belongs_to_the_catalog() -> None:
    with pytest.raises(ScriptError, match="page needs N"):
        parse_line("query catalog page")
    with pytest.raises(ScriptError, match="too many arguments"):
        parse_line("query cart alice page 2")


@pytest.fixture(params=BACKENDS)
def shop(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Lab]:
    """A 200-product shop on a SQLite file and on PostgreSQL."""
    for url in database_for(request.param, tmp_path):
        lab = new_lab(db=url)
        run(lab, products(PRODUCTS) + "\nsettle")
        yield lab
        lab.close()


def test_pages_agree_between_sides_and_cover_every_product_once(shop: Lab) -> None:
    pages = -(-PRODUCTS // PAGE_ROWS)
    seen: list[str] = []
    for page in range(1, pages + 2):
        read = shop.query("catalog", page=page, record=False).rows
        crud = shop.query("catalog", crud=True, page=page, record=False).rows
        assert read == crud
        assert len(read.rows) == (PAGE_ROWS if page <= pages else 0)
        assert read.summary_dict() == {"products": PRODUCTS, "page": page, "pages": pages}
        seen.extend(row[0] for row in read.rows)
    assert seen == sorted(f"p{i:04}" for i in range(PRODUCTS))


def test_a_cut_answer_says_how_many_and_how_to_read_on(big_shop: Lab) -> None:
    first, last = run(big_shop, "query catalog\nquery catalog page 4 --crud")
    assert first.message.endswith("(50 of 200 products; `query catalog page 2` for more)")
    assert first.data["rows"][0] == ["p0000", "Product 0", 100, 1]
    assert last.message.endswith("(50 of 200 products (page 4 of 4))")
    assert "p0199" in last.message and "p0149" not in last.message


def test_pages_are_cached_apart(big_shop: Lab) -> None:
    first, second = run(big_shop, "cache catalog ttl:5s\nquery catalog")[1:] + run(
        big_shop, "query catalog page 2"
    )
    assert first.data["rows"][0][0] == "p0000"
    assert second.data["rows"][0][0] == "p0050"
    run(big_shop, "cache catalog off")


def test_a_small_catalog_answers_as_it_always_did() -> None:
    lab = new_lab()
    run(lab, products(PAGE_ROWS) + "\nsettle")
    answer = lab.query("catalog")
    assert len(answer.rows.rows) == PAGE_ROWS and answer.rows.summary == ()
    lab.close()


def test_completion_offers_page_after_the_catalog_only() -> None:
    words = Vocabulary(users=["alice"], skus=["mug"])
    assert complete("query catalog p", words) == "query catalog page"
    assert complete("query catalog page 2 --c", words) == "query catalog page 2 --crud"
    assert complete("query cart alice p", words) is None
