/** @odoo-module **/

import { registry } from "@web/core/registry";

// scripts/demo.sh --check runs it (tests/demo/test_demo.py) on the demo database that
// scripts/demo.sh builds: the administrator logs in, lands on the demo sales order (their home
// action), opens its Prepayment tab and the prepayment invoice behind the smart button.
registry.category("web_tour.tours").add("prepayment_addon_demo_tour", {
    url: "/odoo",
    steps: () => [
        {
            content: "The administrator lands on the demo sales order",
            trigger: ".o_form_view .o_field_widget[name=partner_id]:contains('Northwind Interiors')",
        },
        {
            content: "It is a confirmed sales order",
            trigger: ".o_field_widget[name=state] .o_arrow_button_current:contains('Sales Order')",
        },
        {
            content: "Open the Prepayment tab",
            trigger: ".o_notebook .nav-link:contains('Prepayment')",
            run: "click",
        },
        {
            content: "The tab shows the order's prepayment %",
            trigger: ".o_notebook .tab-pane.active .o_field_widget[name=prepmt_percent]",
        },
        {
            content: "The header shows the prepayment status",
            trigger: ".o_field_widget[name=prepmt_state] .badge",
        },
        {
            content: "Open the prepayment documents from the smart button",
            trigger: "button[name=action_view_prepmt_moves]",
            run: "click",
        },
        {
            // one document: the smart button opens its form
            content: "The demo's prepayment invoice opens, posted",
            trigger: ".o_form_view .o_field_widget[name=state] .o_arrow_button_current:contains('Posted')",
        },
        {
            content: "It carries the Prepayment badge",
            trigger: ".o_form_view .badge:contains('Prepayment')",
        },
        {
            content: "It names the order it prepays",
            trigger: ".o_form_view .o_field_widget[name=prepmt_sale_order_id] a",
        },
    ],
});
