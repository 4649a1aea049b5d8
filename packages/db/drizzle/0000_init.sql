CREATE TABLE "api_tokens" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"prefix" text NOT NULL,
	"session_ids" jsonb,
	"rate_limit_per_minute" integer,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_used_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"principal" text NOT NULL,
	"key" text NOT NULL,
	"method" text NOT NULL,
	"path" text NOT NULL,
	"request_hash" text NOT NULL,
	"status_code" integer,
	"response_body" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "idempotency_keys_principal_key_pk" PRIMARY KEY("principal","key")
);
--> statement-breakpoint
CREATE TABLE "login_sessions" (
	"id" text PRIMARY KEY NOT NULL,
	"user_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" text PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"password_hash" text,
	"role" text DEFAULT 'admin' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"password_changed_at" timestamp with time zone,
	CONSTRAINT "users_username_unique" UNIQUE("username")
);
--> statement-breakpoint
CREATE TABLE "accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name" text,
	"partition" integer NOT NULL,
	"status" text DEFAULT 'pending' NOT NULL,
	"session_status" text DEFAULT 'disconnected' NOT NULL,
	"status_reason" text,
	"disabled" boolean DEFAULT false NOT NULL,
	"phone_number" text,
	"push_name" text,
	"lid" text,
	"device_id" integer,
	"settings" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_connected_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "cloud_accounts" (
	"account_id" text PRIMARY KEY NOT NULL,
	"phone_number_id" text NOT NULL,
	"business_account_id" text,
	"api_version" text DEFAULT 'v21.0' NOT NULL,
	"access_token_ciphertext" text NOT NULL,
	"verify_token_ciphertext" text,
	"app_secret_ciphertext" text,
	"display_phone_number" text,
	"verified_name" text,
	"quality_rating" text,
	"messaging_limit" text,
	"throughput_per_second" integer DEFAULT 80 NOT NULL,
	"last_checked_at" timestamp with time zone,
	"backoff_until_ms" bigint,
	CONSTRAINT "cloud_accounts_phone_number_id_unique" UNIQUE("phone_number_id")
);
--> statement-breakpoint
CREATE TABLE "auth_creds" (
	"account_id" text PRIMARY KEY NOT NULL,
	"creds" jsonb NOT NULL,
	"epoch" bigint NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "auth_keys" (
	"account_id" text NOT NULL,
	"category" text NOT NULL,
	"key_id" text NOT NULL,
	"value" jsonb NOT NULL,
	"epoch" bigint NOT NULL,
	CONSTRAINT "auth_keys_account_id_category_key_id_pk" PRIMARY KEY("account_id","category","key_id")
);
--> statement-breakpoint
CREATE TABLE "partition_fences" (
	"partition" integer PRIMARY KEY NOT NULL,
	"epoch" bigint NOT NULL,
	"owner" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "chats" (
	"account_id" text NOT NULL,
	"id" text NOT NULL,
	"type" text NOT NULL,
	"name" text,
	"unread_count" integer DEFAULT 0 NOT NULL,
	"archived" boolean DEFAULT false NOT NULL,
	"pinned" boolean DEFAULT false NOT NULL,
	"muted_until" bigint,
	"last_message_at" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "chats_account_id_id_pk" PRIMARY KEY("account_id","id")
);
--> statement-breakpoint
CREATE TABLE "contacts" (
	"account_id" text NOT NULL,
	"id" text NOT NULL,
	"name" text,
	"notify" text,
	"verified_name" text,
	"lid" text,
	"phone_number" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "contacts_account_id_id_pk" PRIMARY KEY("account_id","id")
);
--> statement-breakpoint
CREATE TABLE "groups" (
	"account_id" text NOT NULL,
	"id" text NOT NULL,
	"subject" text NOT NULL,
	"description" text,
	"owner" text,
	"created_at_wa" bigint,
	"announce" boolean DEFAULT false NOT NULL,
	"locked" boolean DEFAULT false NOT NULL,
	"participants" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"size" integer,
	"invite_code" text,
	"active" boolean DEFAULT true NOT NULL,
	"fetched_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "groups_account_id_id_pk" PRIMARY KEY("account_id","id")
);
--> statement-breakpoint
CREATE TABLE "media_objects" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"mime_type" text NOT NULL,
	"file_name" text,
	"size" bigint NOT NULL,
	"sha256" text NOT NULL,
	"storage_key" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messages" (
	"account_id" text NOT NULL,
	"chat_id" text NOT NULL,
	"id" text NOT NULL,
	"from_me" boolean NOT NULL,
	"sender" text NOT NULL,
	"push_name" text,
	"type" text NOT NULL,
	"content" jsonb NOT NULL,
	"quoted_id" text,
	"mentions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" text NOT NULL,
	"error" jsonb,
	"sent_at" bigint NOT NULL,
	"command_id" text,
	"raw" jsonb,
	"edited_at" timestamp with time zone,
	"deleted_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "messages_account_id_chat_id_id_pk" PRIMARY KEY("account_id","chat_id","id")
);
--> statement-breakpoint
CREATE TABLE "processed_commands" (
	"account_id" text NOT NULL,
	"command_id" text NOT NULL,
	"op" text NOT NULL,
	"outcome" text NOT NULL,
	"result" jsonb,
	"processed_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "processed_commands_account_id_command_id_pk" PRIMARY KEY("account_id","command_id")
);
--> statement-breakpoint
CREATE TABLE "webhook_dead_letters" (
	"id" text PRIMARY KEY NOT NULL,
	"webhook_id" text NOT NULL,
	"delivery_id" text NOT NULL,
	"event_id" text NOT NULL,
	"event_type" text NOT NULL,
	"account_id" text NOT NULL,
	"job" jsonb NOT NULL,
	"reason" text NOT NULL,
	"attempts" integer NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"redelivered_at" timestamp with time zone,
	CONSTRAINT "webhook_dead_letters_delivery_id_unique" UNIQUE("delivery_id")
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" text PRIMARY KEY NOT NULL,
	"webhook_id" text NOT NULL,
	"delivery_id" text NOT NULL,
	"event_id" text NOT NULL,
	"event_type" text NOT NULL,
	"account_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"outcome" text NOT NULL,
	"status_code" integer,
	"duration_ms" integer,
	"response_snippet" text,
	"error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text,
	"url" text NOT NULL,
	"events" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"filters" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"secret_ciphertext" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"rate_limit_per_second" integer,
	"ordered" boolean DEFAULT false NOT NULL,
	"disabled_reason" text,
	"failing_since" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cloud_accounts" ADD CONSTRAINT "cloud_accounts_account_id_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."accounts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "accounts_partition_idx" ON "accounts" USING btree ("partition") WHERE "accounts"."kind" = 'web';--> statement-breakpoint
CREATE INDEX "media_account_idx" ON "media_objects" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "messages_account_time_idx" ON "messages" USING btree ("account_id","sent_at");--> statement-breakpoint
CREATE INDEX "messages_chat_time_idx" ON "messages" USING btree ("account_id","chat_id","sent_at");--> statement-breakpoint
CREATE INDEX "messages_id_idx" ON "messages" USING btree ("account_id","id");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_command_idx" ON "messages" USING btree ("account_id","command_id") WHERE "messages"."command_id" is not null;--> statement-breakpoint
CREATE INDEX "webhook_dead_letters_webhook_idx" ON "webhook_dead_letters" USING btree ("webhook_id","created_at");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_webhook_idx" ON "webhook_deliveries" USING btree ("webhook_id","created_at");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_delivery_idx" ON "webhook_deliveries" USING btree ("delivery_id");--> statement-breakpoint
CREATE UNIQUE INDEX "webhooks_account_url_idx" ON "webhooks" USING btree (coalesce("account_id", ''),"url");--> statement-breakpoint
CREATE INDEX "webhooks_account_idx" ON "webhooks" USING btree ("account_id");