"""`lessons.checks.yours_or_kit`: a later cell runs on the student's version only when it passes."""

import pytest

from lessons.checks import lesson08, yours_or_kit


def right(val_losses, patience):  # a correct answer: Keras' own EarlyStopping replayed
    return lesson08.reference_early_stopping(val_losses, patience)


def stub(val_losses, patience):
    raise NotImplementedError()


def off_by_one(val_losses, patience):  # stops one epoch late
    stopped, best = right(val_losses, patience + 1)
    return stopped, best


def crashes(val_losses, patience):
    return val_losses[patience * 100]


def use(yours):
    return yours_or_kit(yours, lesson08.check_early_stopping, lesson08.reference_early_stopping)


def test_a_passing_answer_is_used_and_said_in_one_line(capsys):
    assert use(right) is right
    assert capsys.readouterr().out == "This cell uses your right (it passes its check).\n"


@pytest.mark.parametrize("wrong", [stub, off_by_one, crashes])
def test_an_unfinished_or_wrong_answer_falls_back_to_the_kit(wrong, capsys):
    assert use(wrong) is lesson08.reference_early_stopping
    out = capsys.readouterr().out
    assert out == (
        f"Your {wrong.__name__} does not pass its check yet, "
        "so this cell uses the kit's reference_early_stopping.\n"
    )


def test_several_objects_are_checked_together(capsys):
    def check(a, b):
        assert a() == b() == 1

    one, two = (lambda: 1), (lambda: 2)
    kit = (lambda: 1, lambda: 1)
    assert yours_or_kit((one, one), check, kit) == (one, one)
    assert yours_or_kit((one, two), check, kit) is kit
    assert "do not pass" in capsys.readouterr().out


def test_bad_arguments_name_what_was_expected():
    with pytest.raises(TypeError, match="check must be the exercise's check function"):
        yours_or_kit(right, "check_early_stopping", right)
    with pytest.raises(ValueError, match="kit must have the shape of yours"):
        yours_or_kit((right, right), lesson08.check_early_stopping, right)
