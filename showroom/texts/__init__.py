"""Message tables by area, merged by `showroom.i18n`."""
