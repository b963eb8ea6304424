/** @odoo-module **/

import { registry } from "@web/core/registry";
import tourUtils from "@sale/js/tours/tour_utils";

// The Python test (tests/test_tour.py) creates the customer "Tour Customer" (30 % customer
// prepayment) and the product "Tour Table" (1,000.00, no taxes); the tour makes the order.
registry.category("web_tour.tours").add("prepayment_addon_order_tour", {
    // the quotations (the Sales app menu needs sale_management, which the addon does not)
    url: "/odoo/action-sale.action_quotations_with_onboarding",
    steps: () => [
        ...tourUtils.createNewSalesOrder(),
        ...tourUtils.selectCustomer("Tour Customer"),
        ...tourUtils.addProduct("Tour Table"),
        {
            content: "The line is priced",
            trigger: ".o_field_cell[name=price_subtotal]:contains('1,000.00')",
        },
        {
            content: "Save the quotation",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The quotation is saved",
            trigger: ".o_form_saved",
        },
        {
            content: "The saved quotation has its prepayment to invoice",
            trigger: ".o_field_widget[name='prepmt_state'] .badge:contains('Prepayment to Invoice')",
        },
        {
            content: "Confirm the quotation",
            trigger: "button[name=action_confirm]:enabled",
            run: "click",
        },
        {
            content: "The order is confirmed",
            trigger: ".o_field_widget[name=state] .o_arrow_button_current:contains('Sales Order')",
        },
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
            content: "The status still says so after the confirmation",
            trigger: ".o_field_widget[name='prepmt_state'] .badge:contains('Prepayment to Invoice')",
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
