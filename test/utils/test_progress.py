import io
import sys

import pytest

from torch_geometric_fnri.utils.progress import ProgressBar, progress_enabled


class Stream(io.StringIO):
    def __init__(self, terminal):
        super().__init__()
        self.terminal = terminal

    def isatty(self):
        return self.terminal


def set_terminals(monkeypatch, stdout, stderr):
    monkeypatch.setattr(sys, 'stdout', Stream(stdout))
    monkeypatch.setattr(sys, 'stderr', Stream(stderr))


@pytest.mark.parametrize('stdout, stderr, expected', [
    (True, True, True),
    (True, False, False),
    (False, True, False),
    (False, False, False),
])
def test_none_means_only_on_terminals(monkeypatch, stdout, stderr,
                                      expected):
    pytest.importorskip('tqdm')
    set_terminals(monkeypatch, stdout, stderr)
    assert progress_enabled(None) is expected
    # An explicit setting ignores the terminals.
    assert progress_enabled(True) is True
    assert progress_enabled(False) is False


def test_bars_need_tqdm(monkeypatch):
    set_terminals(monkeypatch, True, True)
    monkeypatch.setitem(sys.modules, 'tqdm', None)  # import fails
    assert progress_enabled(True) is False
    assert progress_enabled(None) is False


def test_disabled_bar_is_silent(capsys):
    bar = ProgressBar(3, 'quiet work', enabled=False)
    bar.update()
    bar.update(2, postfix={'loss': 1.0})
    bar.close()
    bar.close()
    captured = capsys.readouterr()
    assert captured.out == '' and captured.err == ''


def test_enabled_bar_counts_and_shows_the_postfix(capsys):
    pytest.importorskip('tqdm')
    bar = ProgressBar(5, 'busy work', enabled=True)
    bar.update(2)
    bar.update(3, postfix={'loss': 0.123456, 'acc': 12345.678})
    bar.close()
    bar.close()  # A second close does nothing.
    err = capsys.readouterr().err
    assert 'busy work' in err and '5/5' in err
    # Values are shown with four significant digits.
    assert 'loss=0.1235' in err and 'acc=1.235e+04' in err
    assert capsys.readouterr().err == ''


def test_bar_not_left_when_asked(capsys):
    pytest.importorskip('tqdm')
    bar = ProgressBar(2, 'transient', enabled=True, leave=False)
    bar.update(2)
    bar.close()
    transient = capsys.readouterr().err
    kept = ProgressBar(2, 'transient', enabled=True)
    kept.update(2)
    kept.close()
    # A kept bar ends its line; one that is not left is erased instead.
    assert capsys.readouterr().err.endswith('\n')
    assert 'transient' in transient and not transient.endswith('\n')
