"""Splitting long text, shared by every adapter: paragraphs first, sentences next, nothing lost."""

from __future__ import annotations

from adapters.text import split_text


def test_short_text_is_left_alone() -> None:
    assert split_text("hello", 2000) == ["hello"]
    assert split_text("", 2000) == [""]


def test_long_text_is_split_on_paragraphs_first() -> None:
    para = ("A sentence about the day. " * 30).strip()  # ~780 characters
    text = "\n\n".join([para, para, para])
    pieces = split_text(text, 2000)
    assert [len(p) <= 2000 for p in pieces] == [True, True]
    assert pieces[0] == "\n\n".join([para, para])
    assert pieces[1] == para


def test_without_paragraphs_it_splits_after_a_sentence() -> None:
    text = "Short one. " * 300
    pieces = split_text(text.strip(), 500)
    assert all(len(p) <= 500 for p in pieces)
    assert all(p.endswith(".") for p in pieces)
    assert " ".join(pieces) == text.strip()


def test_an_unbroken_word_is_cut_hard_and_nothing_is_lost() -> None:
    text = "x" * 4500
    pieces = split_text(text, 2000)
    assert [len(p) for p in pieces] == [2000, 2000, 500]
    assert "".join(pieces) == text
