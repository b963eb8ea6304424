/** @odoo-module **/

import { registry } from "@web/core/registry";

// The Python test (tests/test_tour.py) opens a confirmed order that requires a prepayment.
registry.category("web_tour.tours").add("prepayment_addon_order_tour", {
    steps: () => [
        {
            content: "Open the Prepayment tab",
            trigger: ".o_notebook .nav-link:contains('Prepayment')",
            run: "click",
        },
        {
            content: "The order shows what is still to invoice",
            trigger: ".o_field_widget[name='prepmt_amount_to_invoice']:contains('300.00')",
        },
        {
            content: "Issue the prepayment invoice",
            trigger: "button[name='action_open_prepmt_invoice_wizard']",
            run: "click",
        },
        {
            content: "The wizard proposes what is still to invoice; lower it",
            trigger: ".modal .o_field_widget[name='amount'] input",
            run: "edit 120",
        },
        {
            content: "Create the prepayment invoice",
            trigger: ".modal button[name='action_create_invoice']",
            run: "click",
        },
        {
            content: "The posted prepayment invoice opens",
            trigger: ".o_form_view .badge:contains('Prepayment')",
        },
        {
            content: "It carries the amount entered",
            trigger: ".o_form_view .o_field_widget[name='tax_totals']:contains('120.00')",
        },
    ],
});
