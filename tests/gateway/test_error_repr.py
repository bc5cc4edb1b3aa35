"""A GraphError a test did not expect explains itself: class, status, code and message."""

from __future__ import annotations

from mockgraph.errors import GraphError, NotFound, RequestEntityTooLarge


def test_repr_names_the_class_status_code_and_message() -> None:
    error = NotFound("No user with id 'nobody'.")

    assert repr(error) == (
        "NotFound(status=404, code='NotFound', message=\"No user with id 'nobody'.\")"
    )


def test_repr_shows_a_status_and_code_given_at_raise_time() -> None:
    error = GraphError("Too many requests.", status=429, code="TooManyRequests")

    assert repr(error) == (
        "GraphError(status=429, code='TooManyRequests', message='Too many requests.')"
    )


def test_repr_shows_in_a_failed_comparison_of_errors() -> None:
    errors = [RequestEntityTooLarge("The request body is larger than the 1024 KiB.")]

    assert repr(errors) == (
        "[RequestEntityTooLarge(status=413, code='RequestEntityTooLarge', "
        "message='The request body is larger than the 1024 KiB.')]"
    )


def test_str_is_still_the_message() -> None:
    assert str(NotFound("No user with id 'nobody'.")) == "No user with id 'nobody'."
