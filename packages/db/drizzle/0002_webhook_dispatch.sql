CREATE TABLE "webhook_dispatchers" (
	"instance_id" text PRIMARY KEY NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_ordered_jobs" (
	"webhook_id" text NOT NULL,
	"ordering_key" text NOT NULL,
	"event_sequence" bigint NOT NULL,
	"delivery_id" text NOT NULL,
	"leased_by" text,
	"leased_until" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "webhook_ordered_jobs_webhook_id_ordering_key_event_sequence_pk" PRIMARY KEY("webhook_id","ordering_key","event_sequence")
);
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD COLUMN "job_sequence" bigint;