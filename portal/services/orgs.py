"""The org tree and scope: a user bound to a node sees that node and everything below it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session, select

from db.models import OrgKind, OrgNode
from portal.services.actor import Actor
from portal.services.errors import NotFound


@dataclass(frozen=True)
class OrgTree:
    """An in-memory snapshot of the (small) org table."""

    nodes: dict[int, OrgNode]
    children: dict[int | None, list[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, nodes: Iterable[OrgNode]) -> OrgTree:
        ordered = sorted(nodes, key=lambda n: (n.sort_order, n.id or 0))
        by_id = {n.id: n for n in ordered if n.id is not None}
        children: dict[int | None, list[int]] = {}
        for node in ordered:
            assert node.id is not None
            children.setdefault(node.parent_id, []).append(node.id)
        return cls(by_id, children)

    @property
    def roots(self) -> list[int]:
        return self.children.get(None, [])

    def get(self, node_id: int) -> OrgNode:
        try:
            return self.nodes[node_id]
        except KeyError:
            raise NotFound("error.org_not_found", node=node_id) from None

    def by_code_or_name(self, text: str) -> OrgNode:
        for node in self.nodes.values():
            if text in (node.code, node.name):
                return node
        raise NotFound("error.org_not_found", node=text)

    def descendants(self, node_id: int) -> set[int]:
        """The node and every node below it."""
        found, stack = set(), [node_id]
        while stack:
            current = stack.pop()
            found.add(current)
            stack.extend(self.children.get(current, []))
        return found

    def ancestors(self, node_id: int) -> list[int]:
        """Path from the root down to the node, both included."""
        path = []
        current: int | None = node_id
        while current is not None:
            path.append(current)
            current = self.get(current).parent_id
        return list(reversed(path))

    def contains(self, scope_id: int, node_id: int) -> bool:
        return scope_id in self.ancestors(node_id)

    def units(self, scope_id: int) -> list[int]:
        """The units a scope is reported by: the scope node itself, then each child subtree."""
        return [scope_id, *self.children.get(scope_id, [])]

    def unit_of(self, node_id: int, scope_id: int) -> int:
        """Which of `units(scope_id)` a node falls under."""
        path = self.ancestors(node_id)
        index = path.index(scope_id)
        return path[index + 1] if index + 1 < len(path) else scope_id

    def label(self, node_id: int) -> str:
        """A node's display name (grid names carry their community: 郑家台社区第一网格)."""
        return self.get(node_id).name

    def kind_of(self, node_id: int) -> OrgKind:
        return OrgKind(self.get(node_id).kind)


def load_tree(*, session: Session) -> OrgTree:
    """The whole org tree (tens of rows; read per unit of work rather than cached across writers)."""
    return OrgTree.build(session.exec(select(OrgNode)).all())


def scope_ids(tree: OrgTree, actor: Actor) -> set[int] | None:
    """Org ids the actor may see, or None when the actor's node is the only root (no filter needed)."""
    if tree.roots == [actor.org_id]:
        return None
    return tree.descendants(actor.org_id)


def placement_errors(tree: OrgTree, actor: Actor, org_id: int | None) -> dict[str, tuple[str, dict[str, Any]]]:
    """Why a record cannot be placed at `org_id`, as form errors: outside the actor's scope, or retired."""
    if org_id is None or org_id not in tree.nodes or not tree.contains(actor.org_id, org_id):
        return {"org_id": ("error.org_out_of_scope", {})}
    if not tree.get(org_id).active:
        return {"org_id": ("error.org_inactive", {"node": tree.get(org_id).name})}
    return {}


def visible_nodes(*, session: Session, actor: Actor, active_only: bool = False) -> list[OrgNode]:
    """The org nodes inside the actor's scope, tree-ordered; `active_only` for pickers of new records."""
    tree = load_tree(session=session)
    ordered: list[OrgNode] = []

    def walk(node_id: int) -> None:
        node = tree.get(node_id)
        if active_only and not node.active:
            return  # a retired node takes its subtree with it
        ordered.append(node)
        for child in tree.children.get(node_id, []):
            walk(child)

    walk(actor.org_id)
    return ordered
