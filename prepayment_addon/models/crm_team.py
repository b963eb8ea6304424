from odoo import fields, models


class CrmTeam(models.Model):
    _inherit = "crm.team"

    prepmt_waiting_count = fields.Integer(
        "Orders Waiting for Prepayment", compute="_compute_prepmt_waiting_count"
    )

    def _compute_prepmt_waiting_count(self):
        data = dict(
            self.env["sale.order"]._read_group(
                [("team_id", "in", self.ids), ("prepmt_state", "=", "waiting_payment")],
                ["team_id"],
                ["__count"],
            )
        )
        for team in self:
            team.prepmt_waiting_count = data.get(team, 0)
