"""The exceptions nqpsim raises. Each carries the message the CLI prints after ``error:``
(file, line, column, field and allowed range for a bad scenario)."""


class Error(Exception):
    """Anything nqpsim reports as an error."""


class ScenarioError(Error, ValueError):
    """A scenario or sweep plan (or a ``set=`` override) is invalid: CLI exit code 2."""


class InputError(Error, ValueError):
    """Other bad input (an argument, an output folder that is not nqpsim's): CLI exit code 2."""


class RunError(Error, RuntimeError):
    """A failure while running or writing (a numeric fault, a full disk): CLI exit code 1."""
