"""Booking a consultation: staff availability, free slots, bookings, their mail and calendars.

Start with `bookings.py` (book, reschedule, cancel, waitlist); the pure slot rules are in
`rules.py`, weekly hours in `availability.py`.
"""
