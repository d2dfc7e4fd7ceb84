import os.path as osp
import re

import torch

README = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))),
                  'README.md')

# The README's sizes and the test's: each must occur once in the loop.
TINY = {
    'num_simulations=(1000, 200, 200)': 'num_simulations=(16, 1, 1)',
    'MLPEncoder(49 * 4, 256, sum(K))': 'MLPEncoder(49 * 4, 16, sum(K))',
    'MLPDecoder(4, 256, K, skip_first=True)':
    'MLPDecoder(4, 16, K, skip_first=True)',
    'range(20)': 'range(4)',
    'batch_size=128': 'batch_size=8',
}


def usage_loop() -> str:
    r"""The first Python block of the README's Usage section."""
    with open(README, encoding='utf-8') as f:
        text = f.read()
    usage = text[text.index('\n## Usage\n'):]
    return re.search(r'```python\n(.*?)```', usage, re.S).group(1)


def test_the_readme_usage_loop_trains(tmp_path, monkeypatch, capsys):
    code = usage_loop()
    for readme, tiny in TINY.items():
        assert code.count(readme) == 1, readme
        code = code.replace(readme, tiny)
    monkeypatch.chdir(tmp_path)  # Its data/ goes there.
    torch.manual_seed(0)
    exec(compile(code, README, 'exec'), {})
    # One line per epoch with the loss of its last batch; it must fall.
    losses = [float(line.split()[-1]) for line in
              capsys.readouterr().out.splitlines()
              if line.startswith('epoch ')]
    assert len(losses) == 4 and losses[-1] < 0.8 * losses[0], losses
