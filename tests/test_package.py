"""The package's public names: importable from `serverless_inference`, loaded only when used."""

import subprocess
import sys

import serverless_inference


def test_every_public_name_is_importable_with_a_docstring() -> None:
    for name in serverless_inference.__all__:
        value = getattr(serverless_inference, name)
        assert value.__name__ == name
        assert value.__doc__, f"{name} has no docstring"


def test_unknown_names_raise_attribute_error() -> None:
    assert not hasattr(serverless_inference, "NoSuchConstruct")


def test_the_command_line_tool_does_not_start_the_cdk() -> None:
    code = (
        "import sys, serverless_inference.cli.main; "
        "print('aws_cdk' in sys.modules, 'jsii' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]
