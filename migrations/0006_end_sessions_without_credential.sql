-- Sessions and sign-in codes from before sessions recorded the credential that opened them cannot be
-- re-checked against it, so they end here: everyone signs in to the dashboard once more.
DELETE FROM `sessions`;
--> statement-breakpoint
DELETE FROM `sign_in_codes`;
