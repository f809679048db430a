import pytest
from hypothesis import given
from hypothesis import strategies as st

from audit.plumbing.errors import AuditError
from audit.channels.backend.fatal import FatalInput, action_data, action_result, masked_thread_tag


def test_action_data_pads_truncates_and_zero_pads():
    fatal = FatalInput(function="web_client_api_request_v1_data", file="web/api/web_api_v1.c", line=12, errno=-1)
    assert action_data(fatal) == "0012@web/api/we:web_client_api_/-1"


def test_short_names_are_space_padded_to_fixed_widths():
    assert action_data(FatalInput(function="main", file="main.c", line=1038, errno=0)) == \
        "1038@main.c    :main           /0"


def test_long_line_numbers_are_not_cut():
    assert action_data(FatalInput(line=123456)).startswith("123456@")


def test_widths_count_utf8_bytes_like_c():
    data = action_data(FatalInput(file="é" * 6, function="f", line=1))
    assert data.encode("utf-8", "surrogateescape")[5:15] == ("é" * 5).encode()


def test_negative_line_is_rejected():
    with pytest.raises(AuditError, match="--line -1"):
        action_data(FatalInput(line=-1))


def test_errno_must_fit_an_int():
    with pytest.raises(AuditError, match="--errno"):
        action_data(FatalInput(errno=2**31))


@pytest.mark.parametrize("version, thread, expected", [
    ("v2.2.0", "RCVR[child-host]", "RCVR"),
    ("v1.44.0", "SNDR[parent.example.com]", "SNDR"),
    ("v1.37.0", "STREAM_RECEIVER[host]", "[x]"),
    ("v1.37.0", "RCVR[host]", "RCVR[host]"),
    ("v2.2.0", "WEB_SERVER[static4]", "WEB_SERVER[static4]"),
    ("v1.44.0", None, "UNKNOWN"),
])
def test_streaming_thread_names_are_masked_per_version(version, thread, expected):
    assert masked_thread_tag(thread, version) == expected


def test_action_result_is_cut_at_59_bytes():
    result = action_result(FatalInput(process="netdata", thread="T" * 100), "v2.2.0")
    assert result == "netdata:" + "T" * 51 and len(result) == 59


@given(st.text(max_size=40), st.text(max_size=40), st.integers(0, 10**12), st.integers(-(2**31), 2**31 - 1))
def test_action_data_shape_holds_for_any_input(file, function, line, errno):
    data = action_data(FatalInput(file=file, function=function, line=line, errno=errno)).encode("utf-8", "surrogateescape")
    assert len(data) <= 69
    head, _, rest = data.partition(b"@")
    assert head == b"%04d" % line
    assert rest[10:11] == b":" and rest[26:27] == b"/"
    assert rest[27:] == str(errno).encode()
