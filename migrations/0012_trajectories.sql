CREATE TABLE `trajectories` (
	`id` text PRIMARY KEY NOT NULL,
	`scope` text NOT NULL,
	`schedule_id` text,
	`prompt_version` integer,
	`version` integer NOT NULL,
	`based_on` text,
	`origin` text NOT NULL,
	`source_task_id` text,
	`step_count` integer NOT NULL,
	`screen_width` integer NOT NULL,
	`screen_height` integer NOT NULL,
	`result` text NOT NULL,
	`model_calls` integer DEFAULT 0 NOT NULL,
	`cost_usd` real DEFAULT 0 NOT NULL,
	`wall_ms` integer DEFAULT 0 NOT NULL,
	`r2_prefix` text NOT NULL,
	`created_at` integer NOT NULL,
	`forgotten_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `trajectories_scope_version` ON `trajectories` (`scope`,`version`);--> statement-breakpoint
CREATE INDEX `trajectories_schedule` ON `trajectories` (`schedule_id`,`created_at`);--> statement-breakpoint
CREATE TABLE `trajectory_steps` (
	`trajectory_id` text NOT NULL,
	`idx` integer NOT NULL,
	`action` text NOT NULL,
	`origin` text NOT NULL,
	`moved` text,
	`crop_rect` text
);
--> statement-breakpoint
CREATE UNIQUE INDEX `trajectory_steps_step` ON `trajectory_steps` (`trajectory_id`,`idx`);