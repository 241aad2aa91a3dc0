"""The classroom's screens: the instructor's view of the room, and what an attendee sees of it."""
