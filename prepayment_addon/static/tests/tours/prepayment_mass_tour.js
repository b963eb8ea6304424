/** @odoo-module **/

import { registry } from "@web/core/registry";

// tests/test_mass_invoice.py makes three confirmed orders of "Mass Tour A/B/C" (30 %) and sets
// the company's threshold to 2: the selection of three is invoiced in the background.
function selectOrder(customer) {
    return {
        content: `Select the order of ${customer}`,
        trigger: `.o_list_renderer .o_data_row:contains('${customer}') .o_list_record_selector input[type='checkbox']`,
        run: "click",
    };
}

registry.category("web_tour.tours").add("prepayment_addon_mass_invoice_tour", {
    url: "/odoo/action-sale.action_orders",
    steps: () => [
        selectOrder("Mass Tour A"),
        selectOrder("Mass Tour B"),
        selectOrder("Mass Tour C"),
        {
            content: "Open the Actions menu of the selection",
            trigger: ".o_cp_action_menus button:has(.fa-cog)",
            run: "click",
        },
        {
            content: "Create Prepayment Invoices",
            trigger: ".o-dropdown--menu .o_menu_item:contains('Create Prepayment Invoices')",
            run: "click",
        },
        {
            content: "The batch is queued: its form says it runs in the background",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Queued')",
        },
        {
            content: "Its progress: nothing processed yet, of three orders",
            trigger: ".o_form_view .o_field_widget[name='processed_count'].o_field_progressbar",
        },
        {
            content: "The three orders are listed, to process",
            trigger: ".o_form_view .o_field_widget[name='line_ids'] .o_data_row:nth-child(3):contains('To Process')",
        },
        {
            content: "The background message",
            trigger: ".o_form_view .alert-info:contains('in the background')",
        },
    ],
});
