"""The program's small sentence helpers."""

from addressbook.wording import field_label, field_labels


def test_field_labels_are_the_users_words() -> None:
    assert field_label("organization") == "organisation"
    assert field_label("title") == "job title"
    assert "organisation" in field_labels(["organization", "title"])
