"""What a reference frame acts on, set up first where that is simple: the domain an info or
update names, owned by the registrar sending it and free of client statuses and pending
transfers; the hosts and contacts a create links; a pending transfer for approve, reject or
cancel; nothing in the way of a create. Done over EPP by the sandbox's two registrars, as
they would (transfers back, restores, unlinking hosts), with only the passing of time done the
operator's way. Results are not checked here: the frame's own answer is what the test reads.
"""

from __future__ import annotations

from dataclasses import dataclass

from eppd_core_frames import create, host_create, info, transfer, update
from eppd_core_world import NS, STRONG, Epp
from interop_objects import ObjectState, ObjectStates
from lxml import etree

EPP, DOMAIN, HOST, CONTACT = NS["e"], NS["d"], NS["h"], NS["c"]
_VERBS = ("check", "create", "delete", "info", "renew", "transfer", "update")


@dataclass(frozen=True)
class FrameCommand:
    """The object command of a frame: verb, transfer op, object namespace and element."""

    verb: str
    op: str | None
    namespace: str
    element: etree._Element
    restore_op: str | None = None  # rgp-1.0 <rgp:restore op="..."> in the extension

    def texts(self, path: str) -> list[str]:
        return [(e.text or "").strip() for e in self.element.iterfind(path, NS)]

    def elements(self, path: str) -> list[etree._Element]:
        return list(self.element.iterfind(path, NS))


def object_command(doc: etree._Element) -> FrameCommand | None:
    command = doc.find(f"{{{EPP}}}command")
    if command is None:
        return None
    for verb in _VERBS:
        element = command.find(f"{{{EPP}}}{verb}")
        if element is None:
            continue
        children = [c for c in element if isinstance(c.tag, str)]
        if not children:
            return None
        restore = command.find(f"{{{EPP}}}extension/{{{NS['r']}}}update/{{{NS['r']}}}restore")
        return FrameCommand(verb, element.get("op"), etree.QName(children[0]).namespace,
                            children[0], None if restore is None else restore.get("op"))
    return None


class FrameSetup:
    """``sessions`` maps clid to a logged-in session; ``mine`` sends the frames, ``theirs`` is
    the other side of transfers."""

    def __init__(self, sessions: dict[str, Epp], mine: str, theirs: str,
                 objects: ObjectStates, tlds: tuple[str, ...]) -> None:
        self.sessions = sessions
        self.mine = mine
        self.theirs = theirs
        self.objects = objects
        self.tlds = tlds

    def prepare(self, command: FrameCommand) -> None:
        if command.namespace == DOMAIN:
            self._domain_frame(command)
        elif command.namespace == HOST:
            self._host_frame(command)
        elif command.namespace == CONTACT:
            self._contact_frame(command)

    def expiry(self, name: str) -> str | None:
        """The domain's current expiry date (what a renew's curExpDate must say)."""
        reply = info(self.sessions[self.mine], name)
        ex = reply.text("e:response/e:resData/d:infData/d:exDate")
        return ex[:10] if ex else None

    # per object

    def _domain_frame(self, c: FrameCommand) -> None:
        names = c.texts("d:name")
        if c.verb == "check" or not names:
            return
        name = names[0]
        if c.verb == "create":
            self._no_domain(name)
            for host in c.texts("d:ns/d:hostObj"):
                if not host.endswith(f".{name}"):  # its own hosts cannot exist before it
                    self._host(host)
            for handle in c.texts("d:registrant") + c.texts("d:contact"):
                self._contact(self.mine, handle)
        elif c.verb == "transfer" and c.op == "request":
            self._domain(self.theirs, name)
        elif c.verb == "transfer" and c.op == "cancel":
            self._pending_domain(name, gaining=self.mine, losing=self.theirs)
        elif c.verb == "transfer":  # query, approve, reject: we are the losing registrar
            self._pending_domain(name, gaining=self.theirs, losing=self.mine)
        elif c.restore_op is not None:
            self._in_redemption(name, restore_requested=c.restore_op == "report")
        else:  # info, update, renew, delete
            self._domain(self.mine, name)
            state = self.objects.domain(name)
            if c.verb == "delete" and state is not None:
                for host in state.subordinates:
                    self._no_host(host)
            for host in c.texts("d:add/d:ns/d:hostObj"):
                self._host(host)
            for handle in c.texts("d:add/d:contact") + c.texts("d:chg/d:registrant"):
                self._contact(self.mine, handle)
            self._removable(name, c)

    def _host_frame(self, c: FrameCommand) -> None:
        names = c.texts("h:name")
        if c.verb == "check" or not names:
            return
        if c.verb == "create":
            self._no_host(names[0])
            self._parent(names[0])
            return
        self._host(names[0])
        for new_name in c.texts("h:chg/h:name"):
            self._no_host(new_name)
            self._parent(new_name)

    def _contact_frame(self, c: FrameCommand) -> None:
        ids = c.texts("c:id")
        if c.verb == "check" or not ids:
            return
        handle = ids[0]
        if c.verb == "create":
            state = self.objects.contact(handle)
            if state is not None and state.sponsor in self.sessions:
                self._epp(state.sponsor).command(
                    f"<delete><c:delete><c:id>{handle}</c:id></c:delete></delete>")
        elif c.verb == "transfer" and c.op == "request":
            self._contact(self.theirs, handle)
        elif c.verb == "transfer":
            gaining, losing = ((self.mine, self.theirs) if c.op == "cancel"
                               else (self.theirs, self.mine))
            self._contact(losing, handle)
            self._contact_transfer(gaining, handle)
        else:
            self._contact(self.mine, handle)

    # domains

    def _served(self, name: str) -> bool:
        return name.rsplit(".", 1)[-1].lower() in self.tlds

    def _epp(self, clid: str) -> Epp:
        return self.sessions[clid]

    def _domain(self, owner: str, name: str) -> None:
        """``name`` exists, active, sponsored by ``owner``, no client statuses or transfer;
        one held by the other registrar, or being deleted, is deleted and made again."""
        if not self._served(name):
            return
        state = self._tidy(name)
        if state is not None and (state.sponsor != owner or state.state != "active"):
            self._no_domain(name)
            state = self.objects.domain(name)
        if state is None:
            create(self._epp(owner), name)

    def _tidy(self, name: str) -> ObjectState | None:
        """The sponsor rejects a pending transfer and lifts its client statuses."""
        state = self.objects.domain(name)
        if state is None or state.sponsor not in self.sessions:
            return state
        sponsor = self._epp(state.sponsor)
        if state.pending_gaining is not None:
            transfer(sponsor, "reject", name)
        held = "".join(f'<d:status s="{s}"/>' for s in state.statuses
                       if s.startswith("client"))
        if held:
            update(sponsor, name, rem=held)
        return state

    def _removable(self, name: str, c: FrameCommand) -> None:
        """What an update removes (name servers, contacts, client statuses) is there."""
        add = []
        for host in c.texts("d:rem/d:ns/d:hostObj"):
            self._host(host)
            add.append(f"<d:ns><d:hostObj>{host}</d:hostObj></d:ns>")
        for contact in c.elements("d:rem/d:contact"):
            self._contact(self.mine, (contact.text or "").strip())
            add.append(f'<d:contact type="{contact.get("type")}">{contact.text}</d:contact>')
        add += [f'<d:status s="{e.get("s")}"/>' for e in c.elements("d:rem/d:status")
                if e.get("s", "").startswith("client")]
        if add:
            update(self._epp(self.mine), name, add="".join(add))

    def _pending_domain(self, name: str, gaining: str, losing: str) -> None:
        self._domain(losing, name)
        update(self._epp(losing), name, chg=f"<d:authInfo><d:pw>{STRONG}</d:pw></d:authInfo>")
        transfer(self._epp(gaining), "request", name, pw=STRONG)

    def _in_redemption(self, name: str, restore_requested: bool) -> None:
        self._domain(self.mine, name)
        state = self.objects.domain(name)
        if state is None:
            return
        for host in state.subordinates:
            self._no_host(host)
        self.objects.end_grace_periods(name)
        self._epp(self.mine).command(
            f"<delete><d:delete><d:name>{name}</d:name></d:delete></delete>")
        if restore_requested:
            update(self._epp(self.mine), name,
                   extension='<r:update><r:restore op="request"/></r:update>')

    def _no_domain(self, name: str) -> None:
        state = self._tidy(name)
        if state is None or state.sponsor not in self.sessions:
            return
        if state.state == "active":
            for host in state.subordinates:
                self._no_host(host)
            self._epp(state.sponsor).command(
                f"<delete><d:delete><d:name>{name}</d:name></d:delete></delete>")
        self.objects.purge(name)  # what a delete outside the add grace period leaves behind

    # hosts

    def _parent(self, host: str) -> str | None:
        """Our domain (in a TLD we serve) that ``host`` falls under, made to exist."""
        labels = host.split(".")
        for cut in range(1, len(labels) - 1):
            parent = ".".join(labels[cut:])
            if parent.count(".") == 1 and self._served(parent):
                self._domain(self.mine, parent)
                return parent
        return None

    def _host(self, name: str) -> None:
        """``name`` exists (with an address if it is under one of our domains), unheld."""
        internal = self._parent(name) is not None
        state = self.objects.host(name)
        if state is None:
            host_create(self._epp(self.mine), name, *(("192.0.2.1",) if internal else ()))
            return
        held = "".join(f'<h:status s="{s}"/>' for s in state.statuses if s.startswith("client"))
        if held and state.sponsor in self.sessions:
            self._epp(state.sponsor).command(
                f"<update><h:update><h:name>{name}</h:name><h:rem>{held}</h:rem>"
                "</h:update></update>")

    def _no_host(self, name: str) -> None:
        state = self.objects.host(name)
        if state is None or state.sponsor not in self.sessions:
            return
        for domain, sponsor in self.objects.linking(name):
            if sponsor in self.sessions:
                update(self._epp(sponsor), domain, rem=f"<d:ns><d:hostObj>{name}</d:hostObj>"
                                                       "</d:ns>")
        self._epp(state.sponsor).command(
            f"<delete><h:delete><h:name>{name}</h:name></h:delete></delete>")

    # contacts

    def _contact(self, owner: str, handle: str) -> None:
        state = self.objects.contact(handle)
        if state is None:
            self._epp(owner).command(
                f"<create><c:create><c:id>{handle}</c:id>"
                + "".join(f'<c:postalInfo type="{form}"><c:name>John Doe</c:name><c:addr>'
                          "<c:street>123 Example Dr.</c:street><c:city>Dulles</c:city>"
                          "<c:sp>VA</c:sp><c:pc>20166-6503</c:pc><c:cc>US</c:cc></c:addr>"
                          "</c:postalInfo>" for form in ("int", "loc"))
                + "<c:voice>+1.7035555555</c:voice><c:email>jdoe@example.com</c:email>"
                f"<c:authInfo><c:pw>{STRONG}</c:pw></c:authInfo></c:create></create>")
            return
        if state.sponsor not in self.sessions:
            return
        sponsor = self._epp(state.sponsor)
        if state.pending_gaining is not None:
            sponsor.command(f'<transfer op="reject"><c:transfer><c:id>{handle}</c:id>'
                            "</c:transfer></transfer>")
        held = "".join(f'<c:status s="{s}"/>' for s in state.statuses
                       if s.startswith("client"))
        if held:
            sponsor.command(f"<update><c:update><c:id>{handle}</c:id><c:rem>{held}</c:rem>"
                            "</c:update></update>")
        if state.sponsor != owner:
            self._contact_transfer(owner, handle)
            sponsor.command(f'<transfer op="approve"><c:transfer><c:id>{handle}</c:id>'
                            "</c:transfer></transfer>")

    def _contact_transfer(self, gaining: str, handle: str) -> None:
        losing = self.theirs if gaining == self.mine else self.mine
        self._epp(losing).command(
            f"<update><c:update><c:id>{handle}</c:id><c:chg><c:authInfo><c:pw>{STRONG}"
            "</c:pw></c:authInfo></c:chg></c:update></update>")
        self._epp(gaining).command(
            f'<transfer op="request"><c:transfer><c:id>{handle}</c:id><c:authInfo>'
            f"<c:pw>{STRONG}</c:pw></c:authInfo></c:transfer></transfer>")
