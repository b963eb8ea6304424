from markupsafe import Markup

from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _send_mail(self, move, mail_template, **kwargs):
        """A prepayment document sent to the partner leaves the sent message on its order's
        chatter too (the salesperson follows the order, not each invoice)."""
        res = super()._send_mail(move, mail_template, **kwargs)
        order = move._prepmt_order() if move.is_prepayment else None
        if order:
            partners = self.env["res.partner"].browse(kwargs.get("partner_ids") or [])
            order.message_post(
                body=Markup("%s<br/>%s")
                % (
                    Markup(self.env._("%(doc)s sent to %(partners)s: %(subject)s"))
                    % {
                        "doc": move._get_html_link(),
                        "partners": ", ".join(partners.mapped("display_name")) or "-",
                        "subject": kwargs.get("subject") or "",
                    },
                    Markup(kwargs.get("body") or ""),
                ),
                message_type="comment",
                subtype_xmlid="mail.mt_note",
                # not the author_id of kwargs: the send wizard fills it with the user's id
                # (Odoo 18 swaps author_user_id and author_partner_id), and Odoo's own
                # _send_mail drops it too; the current user is the author
                email_from=kwargs.get("email_from"),
            )
        return res
