"""URL converters."""


class IdConverter:
    """A database id: 1 to 18 digits, so any match fits a 64-bit column.

    Django's `int` converter accepts any number of digits, and a 30-digit id
    makes the database raise instead of answering 404.
    """

    regex = "[0-9]{1,18}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)
