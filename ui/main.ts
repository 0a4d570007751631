// Entry point of the Opsdeck browser UI, bundled to dist/ui/app.js.
// index.html contains one <od-root>, which routes between the screens.
//
// Stable attributes for browser tests:
//   od-data-table[data-table="<table id or #index>"]  a table; data-state is loading, ready, empty, error or waiting
//   [data-testid="search"]            search box of a table
//   [data-testid="row"]               a data row; aria-selected="true" when selected
//   th[data-field="<column>"]         a column header; its button sorts; aria-sort on the th
//   td[data-field="<column>"]         a cell
//   [data-testid="range"]             "1–10 of 59"; [data-testid="previous"], [data-testid="next"] page buttons
//   [data-testid="empty"]             empty state; [data-testid="table-error"] with [data-testid="retry"];
//                                     data-code on the error is the API error code, such as statement_timeout
//   [data-testid="needs-selection"]   "Select a row in … to see this."
//   [data-action="<actionId>"]        row action: an inline button (tables with 1 or 2 row actions)
//                                     or a role="menuitem" in the row's menu (3 or more); only on rows
//                                     that meet the action's `when` condition
//   [data-testid="row-actions"]       a row's "Actions" menu button; aria-expanded="true" while its menu is open;
//                                     absent on a row where no action applies
//   [data-testid="action-dialog"]     the <dialog> of a row action
//   [data-field="<param>"]            a form field wrapper; the control is named <param>
//   [data-error-for="<param>"]        the message under a field
//   [data-testid="form-error"]        the message at the top of a form, also for hidden prefilled parameters
//   [data-testid="submit"], [data-testid="cancel"], [data-testid="confirm"]  form buttons
//   [data-form="<actionId>"]          an inline form component on a page
//   [data-testid="toast"]             a toast (role="status")
//   [data-user="<id>"]                a user button on the development sign-in page
//   [data-testid="dev-signin-banner"], [data-testid="dev-banner"]  development warnings
//   [data-testid="not-signed-in"]     proxy mode without identity
//   [data-page="<pageId>"]            a navigation link; aria-current="page" on the current one
//   [data-testid="nav-toggle"]        the "Pages" button below 900 px wide; aria-expanded="true" while the
//                                     navigation is open
//   [data-testid="app-footer"]        the app's footer, with [data-testid="spec-version"] and [data-testid="footer-user"]
//   [data-testid="page-title"], [data-testid="app-title"], [data-testid="user"], [data-testid="sign-out"]
//   [data-app="<appId>"]              an app card on the home screen; data-status is ok, error or unavailable.
//                                     An unavailable card has [data-testid="app-reason"] and [data-testid="apps-retry"]
//   [data-testid="spec-errors"]       the spec error panel, with [data-testid="diagnostic"] items
//                                     and [data-testid="dismiss-errors"]
//   [data-page="_approvals"]          the Approvals navigation link, shown to approvers and requesters
//   [data-testid="approvals"]         the list of requests; [data-testid="approvals-empty"] when there is none;
//                                     [data-filter="pending"|"all"] buttons choose which are listed
//   [data-approval="<id>"]            one request; data-status is pending, approved, rejected, expired, executed or failed.
//                                     Inside: [data-testid="approval-status"], [data-testid="approval-requester"],
//                                     [data-testid="approval-params"] with dd[data-param="<name>"],
//                                     [data-testid="approval-comment"], [data-testid="approve"], [data-testid="reject"],
//                                     [data-testid="approval-waiting"] (own requests), [data-testid="approval-decision"]
//   [data-page="_audit"]              the Audit navigation link, shown to the roles of `audit: { viewers }`
//   [data-testid="audit-view"]        the audit records; data-state is loading, ready, empty or error
//   [data-testid="audit-row"]         one record, with data-outcome; filter fields are named user, object,
//                                     outcome, from and to; [data-testid="audit-apply"], [data-testid="audit-clear"]
//   [data-testid="audit-range"]       "1–25 of 80"; [data-testid="audit-previous"], [data-testid="audit-next"];
//                                     [data-testid="audit-empty"], [data-testid="audit-error"] (data-code is the API error code)
import './components/app-root.js';
