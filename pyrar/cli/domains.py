"""``pyrar domain list|info``: operators' view of domains."""

from __future__ import annotations

from sqlalchemy import select

from registry.flows.domain_info import DomainInfoQuery, domain_info
from registry.models import Domain, Registrar, Tld
from registry.names import unicode_name

from .arguments import whole_number


def register(subparsers) -> None:
    dom = subparsers.add_parser("domain", help="domains").add_subparsers(
        dest="domain_command", metavar="ACTION", required=True)
    lst = dom.add_parser("list", help="list domains")
    lst.add_argument("--tld")
    lst.add_argument("--registrar", metavar="CLID")
    lst.add_argument("--limit", type=whole_number(1, 100_000), default=100)
    lst.set_defaults(run=run_list)
    info = dom.add_parser("info", help="show one domain")
    info.add_argument("name")
    info.set_defaults(run=run_info)


def run_list(ctx, args) -> None:
    def work(c):
        stmt = select(Domain.name, Domain.state, Domain.expires_at, Registrar.clid).join(
            Registrar, Registrar.id == Domain.sponsor_id).join(Tld, Tld.id == Domain.tld_id)
        if args.tld:
            stmt = stmt.where(Tld.name == args.tld.lower().strip("."))
        if args.registrar:
            stmt = stmt.where(Registrar.clid == args.registrar)
        for name, state, expires, clid in c.session.execute(
                stmt.order_by(Domain.name).limit(args.limit)):
            yield f"{name:<40} {clid:<16} {state:<16} expires {expires:%Y-%m-%d}"
    ctx.show(work)


def run_info(ctx, args) -> None:
    def work(c):
        info = domain_info(c, DomainInfoQuery(args.name))
        rows = [
            ("name", f"{info.name} ({unicode_name(info.name)})"), ("roid", info.roid),
            ("status", " ".join(info.statuses)), ("rgp", " ".join(info.rgp_statuses) or "-"),
            ("sponsor", info.sponsor), ("created", f"{info.created_at:%Y-%m-%d %H:%M:%S} by "
                                                  f"{info.creator}"),
            ("expires", f"{info.expires_at:%Y-%m-%d %H:%M:%S}"),
            *([("idn table", info.idn_table)] if info.idn_table else []),
            ("registrant", info.registrant or "-"),
            ("contacts", " ".join(f"{t}:{h}" for t, h in info.contacts) or "-"),
            ("ns", " ".join(info.nameservers) or "-"),
            ("hosts", " ".join(info.subordinate_hosts) or "-"),
            ("ds", " ".join(f"{d.key_tag}/{d.algorithm}/{d.digest_type}" for d in info.ds_data)
             or "-"),
        ]
        for key, value in rows:
            yield f"{key:<11} {value}"
    ctx.show(work, "domain_info")
