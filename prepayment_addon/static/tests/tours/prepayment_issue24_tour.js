/** @odoo-module **/

import { registry } from "@web/core/registry";
import tourUtils from "@sale/js/tours/tour_utils";

// tests/test_issue24_tours.py makes the orders, partners, products and rules these tours use.

// A confirmed order (Credit Chair 300.00 and Credit Desk 30.00 of prepayment invoiced, no
// tax): the Prepayment Credit Memo window, the chair left out, the desk credited alone.
registry.category("web_tour.tours").add("prepayment_addon_partial_credit_tour", {
    steps: () => [
        {
            content: "Open the credit memo window",
            trigger: "button[name='action_open_prepmt_credit_memo_wizard']:visible",
            run: "click",
        },
        {
            content: "Every line holding a prepayment is listed, all chosen: 330.00",
            trigger: ".modal .o_field_widget[name='amount'] input:value(330.00)",
        },
        {
            content: "Leave the chair out",
            trigger: ".modal .o_data_row:contains('Credit Chair') .o_field_boolean_toggle input",
            run: "click",
        },
        {
            content: "What the desk holds is proposed",
            trigger: ".modal .o_field_widget[name='amount'] input:value(30.00)",
        },
        {
            content: "Create the credit memo",
            trigger: ".modal button[name='action_create_credit_memo']",
            run: "click",
        },
        {
            content: "The credit memo of the desk alone is posted",
            trigger: ".o_form_view .o_field_widget[name='tax_totals']:contains('30.00')",
        },
        {
            content: "Back to the order",
            trigger: ".o_breadcrumb .breadcrumb-item a:contains('S0')",
            run: "click",
        },
        {
            content: "The desk's 30.00 is to invoice again",
            trigger: ".o_field_widget[name='prepmt_state'] .badge:contains('Prepayment to Invoice')",
        },
    ],
});

// A new quotation for "Risk Customer", who has an invoice overdue by 45 days: the rule on
// overdue invoices gives 50 % (the customer's own is 30 %), and the Prepayment tab says why.
registry.category("web_tour.tours").add("prepayment_addon_risk_reason_tour", {
    url: "/odoo/action-sale.action_quotations_with_onboarding",
    steps: () => [
        ...tourUtils.createNewSalesOrder(),
        ...tourUtils.selectCustomer("Risk Customer"),
        ...tourUtils.addProduct("Credit Chair"),
        {
            content: "The line is priced",
            trigger: ".o_data_row:nth-child(1) .o_field_cell[name=price_subtotal]:contains('1,000.00')",
        },
        {
            content: "Save the quotation",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
        {
            content: "Open the Prepayment tab",
            trigger: ".o_notebook .nav-link:contains('Prepayment')",
            run: "click",
        },
        {
            content: "The rule on overdue invoices gives 500.00",
            trigger: ".o_field_widget[name='prepmt_amount'] input:value(500.00), .o_field_widget[name='prepmt_amount']:contains('500.00')",
        },
        {
            content: "The tab says which rule set the % and why",
            trigger: ".o_field_widget[name='prepmt_rule_reason']:contains('overdue invoices: 1')",
        },
    ],
});
