from types import SimpleNamespace

from torch_geometric_fnri.training.progress_line import progress_printer


def _trainer(epochs):
    return SimpleNamespace(config=SimpleNamespace(epochs=epochs),
                           layer_names=['springs', 'charges'], updates=0)


def _row(epoch, accuracy=0.5):
    return {'epoch': epoch, 'time': 30.0, 'valid_acc_combined': accuracy,
            'valid_acc_springs': 0.75, 'valid_acc_charges': 0.625}


def test_a_line_every_few_epochs_and_after_the_last(capsys):
    trainer = _trainer(epochs=7)
    printer = progress_printer(trainer, every=3)
    for epoch in range(7):
        trainer.updates += 1000
        printer(_row(epoch))
    lines = capsys.readouterr().out.splitlines()
    assert lines == [
        'epoch   3/7,  3,000 updates,   1.5 min: validation accuracy 0.500 '
        '(springs 0.750, charges 0.625)',
        'epoch   6/7,  6,000 updates,   3.0 min: validation accuracy 0.500 '
        '(springs 0.750, charges 0.625)',
        'epoch   7/7,  7,000 updates,   3.5 min: validation accuracy 0.500 '
        '(springs 0.750, charges 0.625)',
    ]


def test_no_line_when_switched_off_or_without_an_encoder(capsys):
    trainer = _trainer(epochs=2)
    never = progress_printer(trainer, every=0)
    never(_row(1))
    # The true-graph mode validates no edge accuracy.
    progress_printer(trainer)({'epoch': 1, 'time': 1.0})
    assert capsys.readouterr().out == ''
