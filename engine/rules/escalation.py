"""Rule "management escalation": a step that escalates to a manager's role (``to: credit-manager``,
a role of ``roles`` in policy.yaml) puts the customer before the people who hold that role; one
of them decides, with the customer's history in front of them:

- ``continue``: the ladder carries on (the escalation is done);
- ``plan``: agree a payment plan with the customer (recorded on the action, as any plan);
- ``handoff``: hand the debt to the collection agency or the solicitor (a case file);
- ``write_off``: propose writing off what the escalation is about (rule "write-off").

Who may decide: a holder of the role; an admin too, so a role whose holder is away never blocks.
docs/rules/handoff.md states the rule.
"""

from __future__ import annotations

from engine.model.actions import Action
from engine.model.handoff import HANDOFF_TARGETS
from engine.model.policy import Policy

DECISIONS = ("continue", "plan", "handoff", "write_off")
DECISION_WORDS = {
    "continue": "carry on with the ladder",
    "plan": "agree a payment plan",
    "handoff": "hand the debt off",
    "write_off": "write the debt off",
}


def manager_role(action: Action) -> str | None:
    """Return the manager's role an escalation goes to, or None (another kind of action, or an
    escalation to the agency or the solicitor)."""
    if action.kind != "escalate" or action.escalate_to in (None, *HANDOFF_TARGETS):
        return None
    return action.escalate_to


def decision_refused(policy: Policy, role: str, *, person: str, is_admin: bool) -> str | None:
    """Return why ``person`` may not decide an escalation to ``role``, or None."""
    if is_admin or person in policy.roles.get(role, ()):
        return None
    return f"this escalation goes to the role '{role}', which {person} does not hold"
