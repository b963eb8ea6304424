/** @odoo-module **/

import { registry } from "@web/core/registry";

// Issue 24. tests/test_payment_plan_tours.py makes the orders the tours open.

// Money first: the customer's transfer of 200.00 came in before any prepayment invoice.
registry.category("web_tour.tours").add("prepayment_addon_register_prepayment_tour", {
    steps: () => [
        {
            content: "The order still requires its prepayment",
            trigger: ".o_field_widget[name='prepmt_state'] .badge:contains('Prepayment to Invoice')",
        },
        {
            content: "Register the prepayment received",
            trigger: "button[name='action_open_prepmt_payment_wizard']",
            run: "click",
        },
        {
            content: "The window proposes what the order still requires with tax",
            trigger: ".modal .o_field_widget[name='total_to_invoice']:contains('300.00')",
        },
        {
            content: "Type the amount on the bank statement",
            trigger: ".modal .o_field_widget[name='amount_received'] input",
            run: "edit 200",
        },
        {
            content: "and its memo",
            trigger: ".modal .o_field_widget[name='memo'] input",
            run: "edit Bank transfer 4711",
        },
        {
            content: "Register",
            trigger: ".modal button[name='action_register_prepayment']",
            run: "click",
        },
        {
            content: "The prepayment invoice opens",
            trigger: ".o_form_view .badge:contains('Prepayment')",
        },
        {
            content: "It is paid at once",
            trigger: ".o_form_view .ribbon:contains('In Payment'), .o_form_view .ribbon:contains('Paid')",
        },
        {
            content: "for the amount received",
            trigger: ".o_form_view .o_field_widget[name='tax_totals']:contains('200.00')",
        },
    ],
});

// The deduction plan: chosen on the order's Prepayment tab, shown on the draft final invoice.
registry.category("web_tour.tours").add("prepayment_addon_deduction_plan_tour", {
    steps: () => [
        {
            content: "Open the Prepayment tab",
            trigger: ".o_notebook .nav-link:contains('Prepayment')",
            run: "click",
        },
        {
            content: "The company's plan is proposed",
            trigger: ".o_field_widget[name='prepmt_deduction_plan'] select",
        },
        {
            content: "Deduct nothing until the last final invoice",
            trigger: ".o_field_widget[name='prepmt_deduction_plan'] select",
            run: 'select "last"',
        },
        {
            content: "Save the order",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "The order is saved",
            trigger: ".o_form_saved",
        },
        {
            content: "Create the final invoice of what is delivered",
            trigger: "button#create_invoice",
            run: "click",
        },
        {
            content: "Create the draft",
            trigger: ".modal button#create_invoice_open",
            run: "click",
        },
        {
            content: "The draft final invoice shows the order's plan",
            trigger: ".o_form_view .alert[name='prepmt_deduction_plan']:contains('All on the Last Final Invoice')",
        },
        {
            content: "and deducts nothing yet: it bills the 400.00 delivered",
            trigger: ".o_form_view .o_field_widget[name='tax_totals']:contains('400.00')",
        },
    ],
});

// The last part of a line billed in parts, 2 x 0.02 at 15 % prepaid in full (0.04 and 0.01
// of tax): each part bills 0.02 and rounds its tax to nothing, so the document that takes the
// last of the prepayment gives the prepaid cent of tax back and comes to -0.01; Create
// Invoice then makes it a credit note of 0.01, as Odoo does with a negative final invoice.
registry.category("web_tour.tours").add("prepayment_addon_last_part_credit_note_tour", {
    steps: () => [
        {
            content: "Create the final invoice of the last unit delivered",
            trigger: "button#create_invoice:visible",
            run: "click",
        },
        {
            content: "Create the draft",
            trigger: ".modal button#create_invoice_open",
            run: "click",
        },
        {
            content: "Odoo made a credit note of it",
            trigger: ".o_form_view .o_field_widget[name='move_type']:contains('Credit Note')",
        },
        {
            // (what it deducts is checked by the Python test)
            content: "It has the unit billed and the deduction",
            trigger: ".o_field_widget[name='invoice_line_ids'] .o_data_row:nth-child(2)",
        },
        {
            content: "Post it",
            trigger: "button[name='action_post']:visible",
            run: "click",
        },
        {
            content: "Posted: the cent of tax given back",
            trigger: ".o_form_view .o_field_widget[name='tax_totals']:contains('0.01')",
        },
    ],
});
