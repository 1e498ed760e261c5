CREATE TABLE `api_tokens` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`token_hash` text NOT NULL,
	`prefix` text NOT NULL,
	`created_by` text,
	`created_at` integer NOT NULL,
	`last_used_at` integer,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_tokens_hash` ON `api_tokens` (`token_hash`);--> statement-breakpoint
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`at` integer NOT NULL,
	`actor` text NOT NULL,
	`action` text NOT NULL,
	`target_type` text,
	`target_id` text,
	`details` text
);
--> statement-breakpoint
CREATE INDEX `audit_log_at` ON `audit_log` (`at`);--> statement-breakpoint
CREATE TABLE `desktops` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`os` text DEFAULT 'linux' NOT NULL,
	`labels` text DEFAULT '[]' NOT NULL,
	`vnc_url` text,
	`vnc_credentials` text,
	`host_token_hash` text,
	`host_token_created_at` integer,
	`mode` text DEFAULT 'view_only' NOT NULL,
	`presence` text DEFAULT 'offline' NOT NULL,
	`current_task_id` text,
	`capabilities` text,
	`last_seen_at` integer,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `desktops_host_token_hash` ON `desktops` (`host_token_hash`);--> statement-breakpoint
CREATE TABLE `help_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`task_id` text NOT NULL,
	`desktop_id` text,
	`question` text NOT NULL,
	`options` text,
	`status` text NOT NULL,
	`answer` text,
	`answered_by` text,
	`answered_via` text,
	`screenshot_key` text,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL,
	`resolved_at` integer
);
--> statement-breakpoint
CREATE INDEX `help_requests_status` ON `help_requests` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `help_requests_task` ON `help_requests` (`task_id`);--> statement-breakpoint
CREATE TABLE `prompt_versions` (
	`id` text PRIMARY KEY NOT NULL,
	`schedule_id` text NOT NULL,
	`version` integer NOT NULL,
	`prompt` text NOT NULL,
	`author` text NOT NULL,
	`reason` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `prompt_versions_schedule_version` ON `prompt_versions` (`schedule_id`,`version`);--> statement-breakpoint
CREATE TABLE `schedules` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`prompt` text NOT NULL,
	`prompt_version` integer DEFAULT 1 NOT NULL,
	`start_url` text,
	`target_desktop_id` text,
	`target_labels` text DEFAULT '[]' NOT NULL,
	`kind` text NOT NULL,
	`cron` text,
	`interval_ms` integer,
	`run_at` integer,
	`timezone` text DEFAULT 'UTC' NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`notify` integer DEFAULT false NOT NULL,
	`self_healing` integer,
	`self_learning` integer DEFAULT false NOT NULL,
	`max_learning_runs` integer DEFAULT 5 NOT NULL,
	`learning_runs` integer DEFAULT 0 NOT NULL,
	`max_runs` integer,
	`run_count` integer DEFAULT 0 NOT NULL,
	`skip_if_running` integer DEFAULT true NOT NULL,
	`options` text DEFAULT '{}' NOT NULL,
	`next_run_at` integer,
	`last_run_at` integer,
	`last_task_id` text,
	`last_status` text,
	`created_by` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `schedules_due` ON `schedules` (`enabled`,`next_run_at`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`identity_id` text NOT NULL,
	`name` text NOT NULL,
	`role` text NOT NULL,
	`created_at` integer NOT NULL,
	`expires_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `sessions_expires` ON `sessions` (`expires_at`);--> statement-breakpoint
CREATE TABLE `task_events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`task_id` text NOT NULL,
	`seq` integer NOT NULL,
	`type` text NOT NULL,
	`source` text NOT NULL,
	`host_seq` integer,
	`payload` text NOT NULL,
	`text` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `task_events_task_seq` ON `task_events` (`task_id`,`seq`);--> statement-breakpoint
CREATE TABLE `tasks` (
	`id` text PRIMARY KEY NOT NULL,
	`prompt` text NOT NULL,
	`status` text NOT NULL,
	`desktop_id` text,
	`target_desktop_id` text,
	`target_labels` text DEFAULT '[]' NOT NULL,
	`source` text NOT NULL,
	`source_meta` text,
	`schedule_id` text,
	`original_task_id` text,
	`retry_number` integer DEFAULT 0 NOT NULL,
	`priority` integer DEFAULT 0 NOT NULL,
	`options` text DEFAULT '{}' NOT NULL,
	`result` text,
	`error_code` text,
	`error_message` text,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`cache_read_tokens` integer DEFAULT 0 NOT NULL,
	`cache_write_tokens` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`steps` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`assigned_at` integer,
	`started_at` integer,
	`finished_at` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tasks_created` ON `tasks` (`created_at`,`id`);--> statement-breakpoint
CREATE INDEX `tasks_status_created` ON `tasks` (`status`,`created_at`);--> statement-breakpoint
CREATE INDEX `tasks_desktop_created` ON `tasks` (`desktop_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `tasks_schedule_created` ON `tasks` (`schedule_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `tasks_original` ON `tasks` (`original_task_id`);