"""Prepayment invoices of many orders at once, from the sales and purchase order lists.

Up to the company's threshold the orders are invoiced at once; above it they are queued in a
``prepayment.invoice.batch`` that a triggered scheduled action works through in chunks,
committing each chunk, so that a failure in one order never loses the others' documents.
The mass action itself (``action_mass_create_prepmt_invoice``) and the engine it calls
(``_prepmt_issue_invoice``) are on ``prepayment.order.mixin`` (prepayment_order_mixin.py): this
file holds the queue. Nothing here depends on the side.
"""

import logging
import os
import threading

from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import api, fields, models, modules
from odoo.tools import SQL, format_datetime

_logger = logging.getLogger(__name__)

# orders per chunk of the scheduled action (one commit and one progress report per chunk),
# and chunks per call (about a minute of work): Odoo calls the job again at once while orders
# remain, and a worker killed by its time limit loses at most the chunk under way
BATCH_CHUNK_SIZE = 50
BATCH_MAX_CHUNKS = 4
# chunks per call when Odoo's cron runner wakes every cron worker at the end of a run that
# leaves work (ODOO_NOTIFY_CRON_CHANGES): Odoo calls the job up to 10 times per run, holding
# the job's lock in a transaction open for the whole run, and no row version made dead during
# the run can be pruned until it ends (each call of a run of 2,000 orders slower than the one
# before); with the wake-up, short runs cost nothing. Without it the next run waits for the
# cron workers' poll (up to a minute), so that runs stay long
BATCH_MAX_CHUNKS_NOTIFIED = 1


class PrepaymentInvoiceBatch(models.Model):
    _name = "prepayment.invoice.batch"
    _inherit = ["mail.thread"]
    _description = "Prepayment Invoice Batch"
    _order = "id desc"

    res_model = fields.Selection(
        selection="_selection_res_model", string="Order Type", required=True, readonly=True
    )
    company_id = fields.Many2one(
        "res.company",
        required=True,
        readonly=True,
        index=True,
        default=lambda self: self.env.company,
    )
    user_id = fields.Many2one(
        "res.users",
        "Requested By",
        required=True,
        readonly=True,
        default=lambda self: self.env.user,
        help="The documents are created with this user's access rights.",
    )
    state = fields.Selection(
        [("queued", "Queued"), ("running", "In Progress"), ("done", "Done")],
        default="queued",
        required=True,
        readonly=True,
        tracking=True,
    )
    line_ids = fields.One2many(
        "prepayment.invoice.batch.line", "batch_id", "Orders of the Batch", readonly=True
    )
    order_count = fields.Integer("Orders", compute="_compute_counts")
    done_count = fields.Integer("Invoiced", compute="_compute_counts")
    skipped_count = fields.Integer("Skipped", compute="_compute_counts")
    failed_count = fields.Integer("Failed", compute="_compute_counts")
    processed_count = fields.Integer("Processed", compute="_compute_counts")
    progress = fields.Float(compute="_compute_counts", help="Share of the orders processed, %.")
    move_ids = fields.Many2many(
        "account.move", string="Prepayment Documents", compute="_compute_move_ids"
    )

    @api.model
    def _selection_res_model(self):
        Mixin = self.env["prepayment.order.mixin"]
        return [(name, self.env[name]._description) for name in Mixin._prepmt_order_models()]

    @api.depends("line_ids.state")
    def _compute_counts(self):
        for batch in self:
            states = batch.line_ids.mapped("state")
            batch.order_count = len(states)
            batch.done_count = states.count("done")
            batch.skipped_count = states.count("skipped")
            batch.failed_count = states.count("failed")
            batch.processed_count = len(states) - states.count("pending")
            batch.progress = 100.0 * batch.processed_count / len(states) if states else 100.0

    @api.depends("line_ids.move_id")
    def _compute_move_ids(self):
        for batch in self:
            batch.move_ids = batch.line_ids.move_id

    @api.depends("res_model", "create_date")
    def _compute_display_name(self):
        models_ = dict(self._selection_res_model())
        for batch in self:
            batch.display_name = self.env._(
                "%(orders)s: prepayment documents of %(date)s",
                orders=models_.get(batch.res_model, batch.res_model or ""),
                date=format_datetime(self.env, batch.create_date) if batch.create_date else "",
            )

    # ------------------------------------------------------------------
    # Queue
    # ------------------------------------------------------------------
    @api.model
    def _prepmt_queue(self, orders):
        """One batch per company of ``orders`` (for the current user), and a trigger of the
        scheduled action that processes them."""
        batches = self.create(
            [
                {
                    "res_model": orders._name,
                    "company_id": company.id,
                    "line_ids": [
                        fields.Command.create({"order_ref": f"{order._name},{order.id}"})
                        for order in company_orders
                    ],
                }
                for company, company_orders in orders.grouped("company_id").items()
            ]
        )
        self.env.ref("prepayment_addon.ir_cron_prepayment_invoice_batch").sudo()._trigger()
        return batches

    def _prepmt_action_open(self):
        """The batches' form (list for several), where the user follows the progress."""
        action = {
            "type": "ir.actions.act_window",
            "name": self.env._("Prepayment Invoice Batches"),
            "res_model": self._name,
            "context": {"create": False},
        }
        if len(self) == 1:
            action.update({"view_mode": "form", "views": [(False, "form")], "res_id": self.id})
        else:
            action.update(
                {
                    "view_mode": "list,form",
                    "views": [(False, "list"), (False, "form")],
                    "domain": [("id", "in", self.ids)],
                }
            )
        return action

    def action_view_moves(self):
        self.ensure_one()
        return self.env[self.res_model]._prepmt_action_view_moves(self.move_ids)

    # ------------------------------------------------------------------
    # Scheduled action
    # ------------------------------------------------------------------
    @api.model
    def _prepmt_auto_commit(self):
        """Commit each chunk, except in tests and under the context key ``prepmt_no_commit``
        (a caller whose transaction is rolled back: a benchmark)."""
        return (
            not self.env.context.get("prepmt_no_commit")
            and not modules.module.current_test
            and not getattr(threading.current_thread(), "testing", False)
        )

    @api.model
    def _cron_process(self, chunk_size=BATCH_CHUNK_SIZE, max_chunks=None):
        """Issue the prepayment invoices of the queued orders, ``chunk_size`` at a time, each
        order in a savepoint with the access rights of the user who asked; commit and report
        the progress after each chunk. Odoo calls it again while orders remain.

        Each chunk claims its lines with ``FOR UPDATE SKIP LOCKED``: two runners (two Odoo
        servers on one database, or the job and a manual run) never take the same lines, and
        the lines of a runner that dies are free again once PostgreSQL rolls its transaction
        back; a batch they share is marked in progress by the first and closed by the last to
        commit (``_prepmt_start``, ``_prepmt_finish_idle``). The work of a chunk does not grow
        with the queue: its lines, the batches of its lines, one count of what is left; the ORM
        cache is emptied after each chunk.
        ``max_chunks`` by default: ``BATCH_MAX_CHUNKS``, ``BATCH_MAX_CHUNKS_NOTIFIED`` under
        ``ODOO_NOTIFY_CRON_CHANGES``."""
        if max_chunks is None:
            notified = os.environ.get("ODOO_NOTIFY_CRON_CHANGES")
            max_chunks = BATCH_MAX_CHUNKS_NOTIFIED if notified else BATCH_MAX_CHUNKS
        Line = self.env["prepayment.invoice.batch.line"].sudo()
        auto_commit = self._prepmt_auto_commit()
        done = 0
        for _chunk in range(max_chunks):
            lines = Line._prepmt_claim(chunk_size)
            if not lines:
                break
            lines.batch_id._prepmt_start()
            for batch, batch_lines in lines.grouped("batch_id").items():
                batch_lines._prepmt_process(batch)
            done += len(lines)
            remaining = Line.search_count([("state", "=", "pending")])
            self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
            self._prepmt_end_transaction(auto_commit)
            # the batches of this chunk with no order left, seen once the chunk is committed:
            # another runner working on one of them at the same time saw these lines still
            # pending, and whichever commits last sees them all
            lines.batch_id._prepmt_finish_idle()
            self._prepmt_end_transaction(auto_commit)
            if not remaining:
                break
        return True

    @api.model
    def _prepmt_end_transaction(self, auto_commit):
        if auto_commit:
            self.env.cr.commit()  # pylint: disable=invalid-commit
        else:
            # (committing empties the cache; without it, as in a benchmark, do the same)
            self.env.flush_all()
            self.env.invalidate_all()

    def _prepmt_lock_batches(self, where):
        """Those of these batches that match ``where`` (SQL on the batch's row), their rows
        locked for this transaction: a batch whose row another runner holds is left to it, and
        one another runner has just changed (PostgreSQL's serialization failure under Odoo's
        repeatable read) too. Runs in a savepoint: none when it failed."""
        if not self:
            return self
        self.flush_recordset(["state"])
        self.env["prepayment.invoice.batch.line"].flush_model(["state", "batch_id"])
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT b.id FROM %s b WHERE b.id IN %s AND %s FOR UPDATE OF b SKIP LOCKED",
                        SQL.identifier(self._table),
                        tuple(self.ids),
                        where,
                    )
                )
                return self.browse([row[0] for row in self.env.cr.fetchall()])
        except pg_errors.SerializationFailure:
            return self.browse()

    def _prepmt_start(self):
        """Mark the queued ones of these batches in progress (the first runner to take a
        chunk of each)."""
        queued = self.filtered(lambda b: b.state == "queued")._prepmt_lock_batches(
            SQL("b.state = 'queued'")
        )
        if queued:
            queued.state = "running"

    def _prepmt_finish_idle(self):
        """Close those of these batches that have no order left to process, each by one
        runner."""
        Line = self.env["prepayment.invoice.batch.line"]
        idle = self._prepmt_lock_batches(
            SQL(
                "b.state != 'done' AND NOT EXISTS (SELECT 1 FROM %s l"
                " WHERE l.batch_id = b.id AND l.state = 'pending')",
                SQL.identifier(Line._table),
            )
        )
        if idle:
            idle.invalidate_recordset(["state"])
            idle._prepmt_finish()

    def _prepmt_finish(self):
        """Close the batches and tell whoever asked (a message in their inbox)."""
        for batch in self.sudo():
            batch.state = "done"
            user = batch.user_id
            body = batch.with_context(lang=user.lang).env._(
                "Prepayment documents created for %(done)s of %(total)s orders; "
                "skipped (nothing left to invoice): %(skipped)s; failed: "
                "%(failed)s (the reason is on each order's chatter and in the list below).",
                done=batch.done_count,
                total=batch.order_count,
                skipped=batch.skipped_count,
                failed=batch.failed_count,
            )
            batch.message_post(
                body=Markup("<p>%s</p>") % body,
                partner_ids=user.partner_id.ids,
                subtype_xmlid="mail.mt_comment",
            )


class PrepaymentInvoiceBatchLine(models.Model):
    _name = "prepayment.invoice.batch.line"
    _description = "Order of a Prepayment Invoice Batch"
    _order = "batch_id, id"

    batch_id = fields.Many2one(
        "prepayment.invoice.batch", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="batch_id.company_id", store=True, index=True)
    order_ref = fields.Reference(
        selection="_selection_res_model", string="Order", required=True, readonly=True
    )
    state = fields.Selection(
        [
            ("pending", "To Process"),
            ("done", "Invoiced"),
            ("skipped", "Skipped"),
            ("failed", "Failed"),
        ],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    move_id = fields.Many2one("account.move", "Prepayment Document", readonly=True)
    message = fields.Text("Reason", readonly=True, help="Why the order failed or was skipped.")

    @api.model
    def _selection_res_model(self):
        return self.env["prepayment.invoice.batch"]._selection_res_model()

    @api.model
    def _prepmt_claim(self, limit):
        """The next ``limit`` pending lines, in the order they were queued, locked for this
        transaction; lines another transaction holds are skipped, not waited for."""
        self.flush_model(["state", "batch_id"])
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE state = 'pending' ORDER BY batch_id, id LIMIT %s"
                " FOR UPDATE SKIP LOCKED",
                SQL.identifier(self._table),
                limit,
            )
        )
        return self.browse([row[0] for row in self.env.cr.fetchall()])

    def _prepmt_process(self, batch):
        """Issue the documents of these lines of ``batch`` as its user, in their language."""
        user = batch.user_id
        ids = [line.order_ref.id for line in self if line.order_ref]
        existing = self.env[batch.res_model].browse(ids).exists()
        Orders = self.env[batch.res_model].with_user(user).with_context(lang=user.lang)
        results = Orders.browse(existing.ids)._prepmt_mass_issue()
        for line in self:
            state, move, message = results.get(
                line.order_ref.id if line.order_ref else False,
                ("failed", False, line.env._("The order was deleted.")),
            )
            line.write({"state": state, "move_id": move and move.id, "message": message})
