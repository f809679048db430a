"""`telemetry-audit codes`: the cloud error code catalogs."""

from dataclasses import asdict

from audit.plumbing import codes
from audit.faces.commands.output import write_json
from audit.plumbing.errors import Exit


def register(subparsers) -> None:
    parser = subparsers.add_parser("codes", help="list cloud claim error codes and cloud-link failure reasons",
                                   description="Cloud claim exit codes (netdata-claim.sh) with kickstart's "
                                               "explanations, and the libwebsockets reasons ACLK_CONN_FAIL carries.")
    parser.add_argument("--json", action="store_true", help="print the catalogs as JSON")
    parser.set_defaults(func=run)


def run(args) -> int:
    if args.json:
        write_json({"claim": [asdict(c) for c in codes.CLAIM_CODES],
                    "aclk_conn_fail": [{"code": k, "name": codes.lws_reason(k)} for k in sorted(codes.LWS_REASONS)]})
        return Exit.OK
    print("Cloud claim exit codes (netdata-claim.sh v1.22-v1.47; no telemetry event carries them)")
    print(f"{'code':>4}  {'key':<23} {'http':>4}  meaning / what kickstart says")
    for c in codes.CLAIM_CODES:
        print(f"{c.code:>4}  {c.key:<23} {c.http or '-':>4}  {c.message}; {c.kickstart}")
    print("\nACLK_CONN_FAIL data: libwebsockets callback reasons (--codes), e.g.")
    for code in (1, 2, 3, 24, 29, 30, 44, 58):
        print(f"{code:>4}  {codes.lws_reason(code)}")
    print("(`telemetry-audit codes --json` lists all of them)")
    return Exit.OK
