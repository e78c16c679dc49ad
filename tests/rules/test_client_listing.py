"""A refusal names a few clients, not a wall of 40 (issue 14: "a wall of 40 client names")."""

from __future__ import annotations

from addressbook.rules import client_problem
from addressbook.wording import CLIENTS_NAMED, client_listing


def test_a_few_clients_are_all_named() -> None:
    clients = ["Acme Ltd", "Globex", "Initech"]
    assert client_listing(clients) == "Acme Ltd, Globex, Initech"


def test_many_clients_name_the_nearest_to_what_was_typed_and_count_the_rest() -> None:
    clients = [f"Client {n:02d}" for n in range(40)] + ["Acme Limited", "ACME Holdings"]
    problem = client_problem("Acme Ltd", clients, "Harvest")
    assert problem is not None and problem.field == "organization"
    sentence = problem.sentence
    assert sentence.startswith("Harvest has no client named 'Acme Ltd'; its clients are: ")
    assert "Acme Limited" in sentence and "ACME Holdings" in sentence  # the nearest first
    assert sentence.endswith(" and 37 more.")
    assert sum(name in sentence for name in clients) == 5 < CLIENTS_NAMED


def test_an_empty_organisation_lists_the_first_clients_in_order() -> None:
    clients = [f"Client {n:02d}" for n in range(39, -1, -1)]
    problem = client_problem("", clients, "Harvest")
    assert problem is not None
    assert "Client 00, Client 01, Client 02, Client 03, Client 04 and 35 more." in problem.sentence


def test_no_clients_says_so() -> None:
    problem = client_problem("Anyone", [], "Harvest")
    assert problem is not None and "(the account has no clients yet)" in problem.sentence
