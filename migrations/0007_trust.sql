CREATE TABLE `access_holders` (
	`key` text NOT NULL,
	`object` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`key`, `object`)
);
--> statement-breakpoint
CREATE INDEX `access_holders_at` ON `access_holders` (`at`);--> statement-breakpoint
CREATE TABLE `control_plane_state` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `telegram_user_refusals` (
	`user_id` integer PRIMARY KEY NOT NULL,
	`refused_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `sessions` ADD `id` text NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `credential` text NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `via` text NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `ip_country` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `last_seen_at` integer NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `sessions_id` ON `sessions` (`id`);--> statement-breakpoint
CREATE INDEX `sessions_credential` ON `sessions` (`credential`);--> statement-breakpoint
ALTER TABLE `sign_in_codes` ADD `credential` text NOT NULL;