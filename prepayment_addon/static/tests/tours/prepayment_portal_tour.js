/** @odoo-module **/

import { registry } from "@web/core/registry";

// tests/test_customer_tours.py makes the orders and opens their portal pages.

// A confirmed order with a posted, unpaid prepayment invoice of 345.00 (300.00 + 15 %).
registry.category("web_tour.tours").add("prepayment_addon_portal_tour", {
    steps: () => [
        {
            content: "The order page shows its prepayment, waiting for payment",
            trigger: "#prepmt_portal #prepmt_portal_state:contains('Waiting for Prepayment')",
        },
        {
            content: "The prepayment required, taxes included",
            trigger: "#prepmt_portal_required:contains('345.00')",
        },
        {
            content: "Nothing paid yet",
            trigger: "#prepmt_portal_to_pay:contains('345.00')",
        },
        {
            // (its own page is the next tour: a click that loads another page leaves the tour
            // to resume there, which it did not always do in CI)
            content: "The prepayment invoice is listed, with a link to its own page",
            trigger:
                "#prepmt_portal .prepmt_portal_document a[href*='/my/invoices/']:contains('Prepayment invoice')",
        },
    ],
});

// The prepayment invoice's own portal page, opened from the link of the order page.
registry.category("web_tour.tours").add("prepayment_addon_portal_invoice_tour", {
    steps: () => [
        {
            content: "The prepayment invoice's own portal page, with its amount",
            trigger: ".o_portal_sidebar:contains('345.00')",
        },
    ],
});

// A quotation that carries a 30 % prepayment, the company asking online payment to confirm it.
registry.category("web_tour.tours").add("prepayment_addon_portal_pay_tour", {
    steps: () => [
        {
            content: "Accept and pay the quotation",
            trigger: "#o_sale_portal_paynow",
            run: "click",
        },
        {
            content: "The customer is asked our prepayment, taxes included",
            trigger: ".modal.show #o_sale_portal_use_amount_prepayment:contains('345.00')",
        },
        {
            content: "Choose the demo payment method",
            trigger: ".modal.show input[name='o_payment_radio'][data-payment-method-code='demo']",
            run: "click",
        },
        {
            content: "Pay",
            trigger: ".modal.show button[name='o_payment_submit_button']:enabled",
            run: "click",
        },
        {
            content: "Back on the order, confirmed and its prepayment paid",
            trigger: "#prepmt_portal #prepmt_portal_state:contains('Prepayment Paid')",
            timeout: 20000,
        },
        {
            content: "The prepayment invoice is listed, paid",
            trigger: "#prepmt_portal .prepmt_portal_document:contains('Paid')",
        },
    ],
});

// A confirmed order's posted prepayment invoice (345.00), paid from its own portal page.
registry.category("web_tour.tours").add("prepayment_addon_portal_invoice_pay_tour", {
    steps: () => [
        {
            content: "Pay the prepayment invoice",
            trigger: "a[data-bs-target='#pay_with']",
            run: "click",
        },
        {
            content: "Choose the demo payment method",
            trigger: "#pay_with.show input[name='o_payment_radio'][data-payment-method-code='demo']",
            run: "click",
        },
        {
            content: "Pay",
            trigger: "#pay_with.show button[name='o_payment_submit_button']:enabled",
            run: "click",
        },
        {
            content: "Back on the invoice, paid",
            trigger: ".o_portal_sidebar .badge:contains('Paid'), .o_portal_sidebar .badge:contains('Processing Payment')",
            timeout: 20000,
        },
    ],
});
