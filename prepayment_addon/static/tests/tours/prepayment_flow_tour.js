/** @odoo-module **/

import { registry } from "@web/core/registry";
import tourUtils from "@sale/js/tours/tour_utils";

// tests/test_customer_tours.py makes the partners, products and rules the tours use.

function registerPayment() {
    return [
        {
            content: "Register the payment of the prepayment document",
            trigger: "button[name='action_register_payment']:visible",
            run: "click",
        },
        {
            content: "Create the payment",
            trigger: ".modal button[name='action_create_payments']:visible",
            run: "click",
        },
        {
            content: "The prepayment document is paid",
            trigger: ".o_form_view .o_field_widget[name='payment_state'], .o_form_view .ribbon:contains('In Payment'), .o_form_view .ribbon:contains('Paid')",
        },
    ];
}

function backToOrder(orderPrefix) {
    return [
        {
            content: "Back to the order",
            trigger: `.o_breadcrumb .breadcrumb-item a:contains('${orderPrefix}')`,
            run: "click",
        },
        {
            content: "The order form is back",
            trigger: ".o_form_view .o_field_widget[name='prepmt_state']",
        },
    ];
}

// Sales: a new quotation for "Flow Customer" (30 %): "Flow Chair" has a 50 % rule, "Flow Desk"
// takes the customer's 30 % (500.00 each, no taxes): 400.00 required, 40 % overall.
registry.category("web_tour.tours").add("prepayment_addon_sale_flow_tour", {
    url: "/odoo/action-sale.action_quotations_with_onboarding",
    steps: () => [
        ...tourUtils.createNewSalesOrder(),
        ...tourUtils.selectCustomer("Flow Customer"),
        ...tourUtils.addProduct("Flow Chair"),
        {
            content: "The first line is priced",
            trigger: ".o_data_row:nth-child(1) .o_field_cell[name=price_subtotal]:contains('500.00')",
        },
        ...tourUtils.addProduct("Flow Desk", 2),
        {
            content: "The second line is priced",
            trigger: ".o_data_row:nth-child(2) .o_field_cell[name=price_subtotal]:contains('500.00')",
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
            content: "The rules give 400.00",
            trigger: ".o_field_widget[name='prepmt_amount'] input:value(400.00), .o_field_widget[name='prepmt_amount']:contains('400.00')",
        },
        {
            content: "The overall % shows next to the header %",
            trigger: ".o_field_widget[name='prepmt_percent_effective']:contains('40.00')",
        },
        {
            content: "A hint says that lines have their own %, one click away",
            trigger: "div[name='prepmt_rules_hint'] button[name='action_view_prepmt_lines']",
            run: "click",
        },
        {
            content: "The lines with their prepayment %",
            trigger: ".modal .o_list_view .o_data_cell[name='prepmt_percent']:contains('50.00')",
        },
        {
            content: "Close the lines",
            trigger: ".modal .btn-close",
            run: "click",
        },
        {
            content: "Confirm the quotation",
            trigger: "button[name=action_confirm]:enabled",
            run: "click",
        },
        {
            content: "Confirmed, the prepayment is to invoice",
            trigger: ".o_field_widget[name='prepmt_state'] .badge:contains('Prepayment to Invoice')",
        },
        {
            content: "Issue the prepayment invoice",
            trigger: "button[name='action_open_prepmt_invoice_wizard']:visible",
            run: "click",
        },
        {
            content: "Lower the amount to 300.00",
            trigger: ".modal .o_field_widget[name='amount'] input",
            run: "edit 300",
        },
        {
            content: "Create it",
            trigger: ".modal button[name='action_create_invoice']",
            run: "click",
        },
        {
            content: "The prepayment invoice is posted",
            trigger: ".o_form_view .o_field_widget[name='tax_totals']:contains('300.00')",
        },
        ...registerPayment(),
        ...backToOrder("S0"),
        {
            content: "Still 100.00 to invoice after the lowered amount",
            trigger: ".o_field_widget[name='prepmt_state'] .badge:contains('Prepayment to Invoice')",
        },
        {
            content: "Create the final invoice",
            trigger: "button#create_invoice:visible",
            run: "click",
        },
        {
            content: "Create the draft",
            trigger: ".modal button#create_invoice_open",
            run: "click",
        },
        {
            // (the label, naming the prepayment invoice, is checked by the Python test)
            content: "The final invoice deducts the prepayment",
            trigger: ".o_field_widget[name='invoice_line_ids'] .o_data_row:contains('-300.00')",
        },
        {
            content: "Post it",
            trigger: "button[name='action_post']:visible",
            run: "click",
        },
        {
            content: "Posted: 1,000.00 less 300.00",
            trigger: ".o_form_view .o_field_widget[name='tax_totals']:contains('700.00')",
        },
    ],
});

// Purchase: an RFQ for "Flow Vendor" (20 % vendor prepayment), one "Flow Desk" at 500.00.
registry.category("web_tour.tours").add("prepayment_addon_purchase_flow_tour", {
    url: "/odoo/action-purchase.purchase_rfq",
    steps: () => [
        {
            content: "New RFQ",
            trigger: ".o_list_button_add",
            run: "click",
        },
        {
            content: "Vendor",
            trigger: ".o_field_widget[name=partner_id] input",
            run: "edit Flow Vendor",
        },
        {
            trigger: "ul.ui-autocomplete > li > a:contains('Flow Vendor')",
            run: "click",
        },
        {
            content: "Add a product",
            trigger: "a:contains('Add a product')",
            run: "click",
        },
        {
            trigger: ".o_data_row .o_field_widget[name='product_id'] input",
            run: "edit Flow Desk",
        },
        {
            trigger: "ul.ui-autocomplete a:contains('Flow Desk')",
            run: "click",
        },
        {
            content: "Its price",
            trigger: ".o_data_row .o_field_widget[name='price_unit'] input",
            run: "edit 500",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_saved",
        },
        {
            content: "Confirm the order",
            trigger: "button#draft_confirm:enabled",
            run: "click",
        },
        {
            content: "Confirmed, the prepayment is to invoice",
            trigger: ".o_field_widget[name='prepmt_state'] .badge:contains('Prepayment to Invoice')",
        },
        {
            content: "Issue the prepayment bill",
            trigger: "button[name='action_open_prepmt_invoice_wizard']:visible",
            run: "click",
        },
        {
            content: "No Create and Send for a bill: the vendor sends it",
            trigger: ".modal:not(:has(button[name='action_create_and_send']:visible)) .o_field_widget[name='document_ref'] input",
            run: "edit VEND-PP-1",
        },
        {
            content: "Create it",
            trigger: ".modal button[name='action_create_invoice']",
            run: "click",
        },
        {
            content: "The prepayment bill: 20 % of 500.00",
            trigger: ".o_form_view .o_field_widget[name='tax_totals']:contains('100.00')",
        },
        ...registerPayment(),
        ...backToOrder("P0"),
        {
            content: "The prepayment is paid",
            trigger: ".o_field_widget[name='prepmt_state'] .badge:contains('Prepayment Paid')",
        },
        {
            content: "Create the final bill",
            trigger: "button[name='action_create_invoice']:visible",
            run: "click",
        },
        {
            content: "The bill deducts the prepayment",
            trigger: ".o_field_widget[name='invoice_line_ids'] .o_data_row:contains('-100.00')",
        },
        {
            content: "Bill date",
            trigger: ".o_field_widget[name='invoice_date'] input",
            run: "edit 01/01/2030",
        },
        {
            content: "Confirm the bill",
            trigger: "button[name='action_post']:visible",
            run: "click",
        },
        {
            content: "Posted: 500.00 less 100.00",
            trigger: ".o_form_view .o_field_widget[name='tax_totals']:contains('400.00')",
        },
    ],
});
