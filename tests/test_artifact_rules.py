"""The model-artifact rules shared by ``ModelData`` and ``serverless-inference check``: what a
directory or a tarball holds, its layout, and its size against the disk, the start-up window
and the memory tier."""

from pathlib import Path

import pytest

from serverless_inference.artifact_contents import (
    DEFAULT_EXCLUDE,
    ArtifactContents,
    NotATarballError,
    is_excluded,
    read_directory,
    read_tarball,
)
from serverless_inference.artifact_rules import (
    API_GATEWAY_TIMEOUT_SECONDS,
    DOWNLOAD_BYTES_PER_SECOND,
    UNPACK_BYTES_PER_SECOND,
    SettingNames,
    Status,
    check_artifact_disk,
    check_artifact_size,
    check_layout,
    check_memory_fit,
    check_start_up,
    start_up_seconds,
)
from serverless_inference.limits import EPHEMERAL_DISK_BYTES, STARTUP_TIMEOUT_SECONDS
from tests.support.model_files import HANDLER, write_files, write_tarball

MB = 1024**2
GB = 1024**3
NAMES = SettingNames(memory="memory={}", handler_optional="no_handler=True")
HANDLER_SOURCE = HANDLER


def _contents(*paths: str, handler: bytes | None = HANDLER_SOURCE) -> ArtifactContents:
    files = dict.fromkeys(paths, 10)
    return ArtifactContents(
        files=files, handler_source=handler if "code/inference.py" in files else None
    )


def _layout(contents: ArtifactContents, require_handler: bool = True) -> list[tuple[str, Status]]:
    findings = check_layout(contents, require_handler=require_handler, names=NAMES)
    return [(f.item, f.status) for f in findings]


# ------------------------------------------------------------------ layout


def test_model_files_at_the_root_and_the_handler_in_code_pass() -> None:
    contents = _contents("config.json", "model.safetensors", "code/inference.py")
    findings = check_layout(contents, require_handler=True, names=NAMES)
    assert [(f.item, f.status, f.value) for f in findings] == [
        ("model layout", Status.PASS, "files at the root, code in code/"),
        ("model handler", Status.PASS, "code/inference.py"),
    ]


def test_a_handler_alone_passes_as_code_only() -> None:
    (layout, handler) = check_layout(
        _contents("code/inference.py"), require_handler=True, names=NAMES
    )
    assert (layout.status, layout.value) == (Status.PASS, "code/ only")
    assert "HF_MODEL_ID" in layout.reason
    assert handler.status is Status.PASS


def test_requirements_are_named_with_the_handler() -> None:
    findings = check_layout(
        _contents("code/inference.py", "code/requirements.txt"), require_handler=True, names=NAMES
    )
    assert findings[1].value == "code/inference.py and code/requirements.txt"
    assert "pip-install the requirements at every cold start" in findings[1].reason


def test_fails_when_the_handler_is_missing_and_names_the_setting_that_allows_it() -> None:
    (layout, handler) = check_layout(_contents("config.json"), require_handler=True, names=NAMES)
    assert layout.status is Status.PASS
    assert (handler.status, handler.value) == (Status.FAIL, "no code/inference.py")
    assert "no_handler=True" in handler.fix


def test_a_missing_handler_passes_when_not_required() -> None:
    assert _layout(_contents("config.json"), require_handler=False) == [
        ("model layout", Status.PASS),
        ("model handler", Status.PASS),
    ]


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        (b"def model_fn(model_dir:\n    pass\n", "line 1: "),
        (b"x = 1\x00\n", "null bytes"),
    ],
)
def test_fails_when_the_handler_does_not_parse(source: bytes, problem: str) -> None:
    findings = check_layout(
        _contents("code/inference.py", handler=source), require_handler=True, names=NAMES
    )
    assert findings[-1].status is Status.FAIL
    assert problem in findings[-1].reason


def test_fails_when_everything_is_inside_one_folder() -> None:
    findings = check_layout(
        _contents("model/config.json", "model/code/inference.py"), require_handler=True, names=NAMES
    )
    assert [(f.item, f.status, f.value) for f in findings] == [
        ("model layout", Status.FAIL, "everything is in model/")
    ]
    assert findings[0].fix == "pack the content of model/, not the folder itself"


@pytest.mark.parametrize("name", ["inference.py", "requirements.txt"])
def test_fails_when_handler_files_are_at_the_root(name: str) -> None:
    findings = check_layout(_contents("config.json", name), require_handler=False, names=NAMES)
    assert (findings[0].status, findings[0].value) == (Status.FAIL, name)
    assert findings[0].fix == f"move it to code/{name}"


def test_a_root_copy_next_to_the_real_handler_is_no_problem() -> None:
    contents = _contents("inference.py", "code/inference.py", "config.json")
    assert _layout(contents) == [("model layout", Status.PASS), ("model handler", Status.PASS)]


def test_fails_on_links_paths_outside_the_root_and_an_empty_artifact() -> None:
    contents = ArtifactContents(files={}, links=("a", "b", "c", "d"), outside=("../etc/passwd",))
    findings = check_layout(contents, require_handler=True, names=NAMES)
    assert [(f.status, f.value) for f in findings] == [
        (Status.FAIL, "../etc/passwd"),
        (Status.FAIL, "a, b, c and 1 more"),
        (Status.FAIL, "no files"),
    ]
    assert "SageMaker cannot extract an archive that holds them" in findings[1].reason


# ------------------------------------------------------------------ reading directories


def test_directory_leaves_out_the_default_and_the_given_patterns(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "config.json": b"{}",
            "code/inference.py": HANDLER_SOURCE,
            "code/__pycache__/inference.cpython-311.pyc": b"x",
            ".git/HEAD": b"ref",
            ".DS_Store": b"x",
            "checkpoints/step-1/optimizer.pt": b"x" * 100,
            "notes.ckpt": b"x",
        },
    )
    directory = read_directory(tmp_path, ["*.ckpt", "checkpoints/*"])
    assert sorted(directory.sources) == ["code/inference.py", "config.json"]
    assert directory.folders == ("code",)
    assert directory.contents.handler_source == HANDLER_SOURCE
    assert directory.contents.unpacked_bytes == 2 + len(HANDLER_SOURCE)


def test_default_exclusions_cover_caches_and_version_control() -> None:
    for name in ("__pycache__", "*.pyc", ".git", ".DS_Store"):
        assert name in DEFAULT_EXCLUDE
    assert is_excluded("a/b/__pycache__/x.pyc", DEFAULT_EXCLUDE)
    assert not is_excluded("code/inference.py", DEFAULT_EXCLUDE)
    assert is_excluded("checkpoints/step-1", ["checkpoints/*"])
    assert not is_excluded("code/checkpoints", ["checkpoints/*"])
    assert not is_excluded("Model.CKPT", ["*.ckpt"])  # case-sensitive everywhere


def test_directory_follows_file_links_and_lists_the_others(tmp_path: Path) -> None:
    model = tmp_path / "model"
    write_files(model, {"config.json": b"{}"})
    write_files(tmp_path, {"blobs/weights": b"w" * 7, "shared/vocab.txt": b"v"})
    (model / "weights.bin").symlink_to(tmp_path / "blobs" / "weights")
    (model / "shared").symlink_to(tmp_path / "shared")
    (model / "broken").symlink_to(tmp_path / "nowhere")
    directory = read_directory(model)
    assert directory.sources["weights.bin"] == (tmp_path / "blobs" / "weights").resolve()
    assert directory.contents.files["weights.bin"] == 7
    assert directory.contents.links == ("broken", "shared")


# ------------------------------------------------------------------ reading tarballs


def test_tarball_members_relative_to_the_root(tmp_path: Path) -> None:
    path = write_tarball(
        tmp_path / "model.tar.gz",
        {"./config.json": b"{}", "./code/inference.py": HANDLER_SOURCE, "/etc/passwd": b"x"},
        links={"link.json": "config.json"},
    )
    contents = read_tarball(path)
    assert contents.files == {"config.json": 2, "code/inference.py": len(HANDLER_SOURCE)}
    assert contents.handler_source == HANDLER_SOURCE
    assert contents.links == ("link.json",)
    assert contents.outside == ("/etc/passwd",)
    assert contents.archive_bytes == path.stat().st_size


@pytest.mark.parametrize("content", [b"not a tarball", b""])
def test_fails_clearly_when_the_file_is_not_a_gzip_tarball(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "model.tar.gz"
    path.write_bytes(content)
    with pytest.raises(NotATarballError, match="is not a gzip-compressed tar archive"):
        read_tarball(path)


# ------------------------------------------------------------------ size


def test_archive_and_unpacked_copy_against_the_disk() -> None:
    half = EPHEMERAL_DISK_BYTES // 2
    assert check_artifact_disk(half, half).status is Status.PASS
    over = check_artifact_disk(half, half + 1)
    assert over.status is Status.FAIL
    assert "do not fit on the 5.00 GB ephemeral disk" in over.reason
    # a directory not packed yet: its archive is taken as large as its content
    assert check_artifact_disk(None, half).status is Status.PASS
    assert check_artifact_disk(None, half + 1).status is Status.FAIL


def test_archive_alone_against_the_disk_when_its_content_is_unknown() -> None:
    assert check_artifact_disk(2 * GB).status is Status.PASS
    assert check_artifact_disk(3 * GB).status is Status.WARN
    assert check_artifact_disk(5 * GB + 1).status is Status.FAIL


def _bytes_taking(seconds: float) -> int:
    """The archive size (unpacked as large) whose download and unpacking take ``seconds``."""
    return int(seconds / (1 / DOWNLOAD_BYTES_PER_SECOND + 1 / UNPACK_BYTES_PER_SECOND))


def test_start_up_estimate_against_the_api_timeout_and_the_start_up_window() -> None:
    assert start_up_seconds(85_000_000, 100_000_000) == pytest.approx(2.0)
    api = _bytes_taking(API_GATEWAY_TIMEOUT_SECONDS)
    assert check_start_up(api, api).status is Status.PASS
    slow = check_start_up(api + 1000, api + 1000)
    assert slow.status is Status.WARN
    assert "a request through an API that meets a cold start gets a 504" in slow.reason
    window = _bytes_taking(STARTUP_TIMEOUT_SECONDS / 2)
    assert "gets a 504" in check_start_up(window, window).reason  # not yet the window
    too_slow = check_start_up(window + 1000, window + 1000)
    assert too_slow.status is Status.WARN
    assert "180 s in which the model must download and /ping answer" in too_slow.reason
    # the archive alone stands for its content when that is unknown
    assert check_start_up(api + 1000, None).status is Status.WARN
    assert check_start_up(None, api + 1000).status is Status.WARN


@pytest.mark.parametrize(
    ("memory", "model_mb", "status", "fix"),
    [
        (2048, 1024, Status.PASS, ""),  # exactly 2x
        (2048, 1025, Status.WARN, "use memory=3072 (2x headroom)"),
        (2048, 2048, Status.WARN, "use memory=4096 (2x headroom)"),  # exactly 1x
        (2048, 2049, Status.FAIL, "use memory=5120 (2x headroom)"),
        (6144, 3073, Status.WARN, "no tier has 2x headroom: shrink the model"),
    ],
)
def test_memory_tier_against_the_model_at_the_boundaries(
    memory: int, model_mb: float, status: Status, fix: str
) -> None:
    finding = check_memory_fit(memory, model_mb, "unpacked size", NAMES)
    assert finding.status is status
    assert finding.fix.startswith(fix)


def test_size_lines_use_the_unpacked_size_for_memory() -> None:
    findings = check_artifact_size(400 * MB, 1500 * MB, memory_mb=2048, names=NAMES)
    assert [f.item for f in findings] == ["model artifact", "model start-up", "model fits memory"]
    memory = findings[-1]
    assert memory.status is Status.WARN
    assert memory.reason.startswith("less than 2x the unpacked size")
    assert memory.fix == "use memory=3072 (2x headroom)"
    assert [f.item for f in check_artifact_size(1, None, memory_mb=None, names=NAMES)] == [
        "model artifact",
        "model start-up",
    ]


def test_tiny_models_read_as_such() -> None:
    finding = check_memory_fit(2048, 0.005, "unpacked size", NAMES)
    assert (finding.status, finding.value) == (
        Status.PASS,
        "2048 MB for a < 1 MB model (over 100x)",
    )
