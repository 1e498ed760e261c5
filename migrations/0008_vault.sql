CREATE TABLE `secrets` (
	`name` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`scope` text NOT NULL,
	`exclusive` integer DEFAULT false NOT NULL,
	`sealed` text NOT NULL,
	`totp` text,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL,
	`rotated_at` integer,
	`rotated_by` text,
	`last_used_at` integer,
	`last_used_by` text,
	`last_used_task_id` text,
	`last_used_desktop_id` text
);
--> statement-breakpoint
ALTER TABLE `help_requests` ADD `secret` integer DEFAULT false NOT NULL;