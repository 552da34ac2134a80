"""Why an article was not taken. Every rejection carries a reason a person can act on.

IngestError
└── ArticleRejected   the input is not an article we can use (empty, binary, too large,
                      malformed front matter, no text left after cleaning, ...)
"""


class IngestError(Exception):
    """Base of ingestion errors."""


class ArticleRejected(IngestError):
    """The input was refused; `str(error)` is the one-line reason."""
