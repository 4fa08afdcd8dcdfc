//! The stack's data: the tables both stacks deploy (`booking_auth::config::tables`), users in the stand-in pool, guests
//! and their reservations, and reading tables back.

use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
    TimeToLiveSpecification,
};
use serde_json::{Value, json};

use super::{DEMO_EMAIL, Guest, Result, Stack, StackError};

impl Stack {
    pub(super) async fn create_tables(&self) -> Result<()> {
        for table in &self.tables {
            let mut create = self
                .dynamodb
                .create_table()
                .table_name(&table.local_name)
                .billing_mode(BillingMode::PayPerRequest);
            for key in table.keys {
                let kind = if key.role == "RANGE" {
                    KeyType::Range
                } else {
                    KeyType::Hash
                };
                create = create
                    .key_schema(
                        KeySchemaElement::builder()
                            .attribute_name(key.name)
                            .key_type(kind)
                            .build()
                            .map_err(|e| e.to_string())?,
                    )
                    .attribute_definitions(
                        AttributeDefinition::builder()
                            .attribute_name(key.name)
                            .attribute_type(ScalarAttributeType::from(key.kind))
                            .build()
                            .map_err(|e| e.to_string())?,
                    );
            }
            create
                .send()
                .await
                .map_err(|e| format!("CreateTable {}: {e:?}", table.local_name))?;
            if let Some(ttl) = table.ttl_attribute {
                self.dynamodb
                    .update_time_to_live()
                    .table_name(&table.local_name)
                    .time_to_live_specification(
                        TimeToLiveSpecification::builder()
                            .attribute_name(ttl)
                            .enabled(true)
                            .build()
                            .map_err(|e| e.to_string())?,
                    )
                    .send()
                    .await
                    .map_err(|e| format!("UpdateTimeToLive {}: {e:?}", table.local_name))?;
            }
        }
        Ok(())
    }

    /// A passwordless user in the stand-in pool.
    pub fn create_user(&self, email: &str) -> Result<String> {
        self.rt.block_on(async {
            let attr = |n: &str, v: &str| {
                AttributeType::builder()
                    .name(n)
                    .value(v)
                    .build()
                    .map_err(|e| e.to_string())
            };
            let out = self
                .cognito
                .admin_create_user()
                .user_pool_id(self.settings().user_pool_id)
                .username(email)
                .user_attributes(attr("email", email)?)
                .user_attributes(attr("email_verified", "true")?)
                .message_action(MessageActionType::Suppress)
                .send()
                .await
                .map_err(|e| format!("AdminCreateUser: {e:?}"))?;
            out.user
                .and_then(|u| u.username)
                .ok_or_else(|| StackError("AdminCreateUser returned no username".into()))
        })
    }

    /// The local name of the table `env` names.
    pub fn table(&self, env: &str) -> Result<&str> {
        self.tables
            .iter()
            .find(|t| t.env == env)
            .map(|t| t.local_name.as_str())
            .ok_or_else(|| StackError(format!("no table is named by {env}")))
    }

    /// A guest with a user in the pool, a guest record and sample reservations.
    pub fn seed_guest(&self, email: &str, guest_id: &str, reservations: &[Value]) -> Result<Guest> {
        let sub = self.create_user(email)?;
        let guests = self.table("GUESTS_TABLE")?.to_owned();
        let stays = self.table("RESERVATIONS_TABLE")?.to_owned();
        self.rt.block_on(async {
            let put = |table: &str, item: Value| {
                let item = serde_dynamo::to_item(item).map_err(|e| e.to_string());
                let request = self.dynamodb.put_item().table_name(table);
                async move { request.set_item(Some(item?)).send().await.map(|_| ()).map_err(|e| format!("PutItem: {e:?}")) }
            };
            put(&guests, json!({"pk": format!("SUB#{sub}"), "cognito_sub": sub, "guest_id": guest_id, "email": email, "created_at": 1_767_225_600})).await?;
            put(&guests, json!({"pk": format!("GUEST#{guest_id}"), "cognito_sub": sub})).await?;
            for r in reservations {
                let mut item = r.clone();
                item["cognito_sub"] = json!(sub);
                item["stay_key"] = json!(format!("{}#{}", r["check_in"].as_str().unwrap_or_default(), r["reservation_id"].as_str().unwrap_or_default()));
                put(&stays, item).await?;
            }
            Ok::<_, StackError>(())
        })?;
        Ok(Guest {
            email: email.to_owned(),
            sub,
            guest_id: guest_id.to_owned(),
        })
    }

    /// The demo guest of the journey, with three stays.
    pub fn seed_demo(&self) -> Result<Guest> {
        self.seed_guest(
            DEMO_EMAIL,
            "GST-2026-DEMQ42",
            &[
                json!({"reservation_id": "RES-2026-0419", "property_name": "Harbour View Hotel", "room_type": "Deluxe Double", "check_in": "2026-04-19", "check_out": "2026-04-22", "status": "completed", "guests": 2, "total_amount": "612.00", "currency": "EUR"}),
                json!({"reservation_id": "RES-2027-0315", "property_name": "Harbour View Hotel", "room_type": "Sea View Suite", "check_in": "2027-03-15", "check_out": "2027-03-20", "status": "confirmed", "guests": 2, "total_amount": "1490.00", "currency": "EUR"}),
                json!({"reservation_id": "RES-2026-1224", "property_name": "Alpine Lodge", "room_type": "Family Room", "check_in": "2026-12-24", "check_out": "2026-12-28", "status": "confirmed", "guests": 4, "total_amount": "980.00", "currency": "EUR"}),
            ],
        )
    }

    /// Keep a real function output for the frontend contract tests (`target/local-stack/captured/`).
    pub fn capture(&self, name: &str, output: &Value) -> Result<()> {
        let dir = self.logs.join("captured");
        std::fs::create_dir_all(&dir)?;
        let text = serde_json::to_string_pretty(output).map_err(|e| e.to_string())?;
        std::fs::write(dir.join(format!("{name}.json")), text)?;
        Ok(())
    }

    /// Every item of the table that `env` names.
    pub fn scan(&self, env: &str) -> Result<Vec<Value>> {
        let table = self.table(env)?.to_owned();
        self.rt.block_on(async {
            let out = self
                .dynamodb
                .scan()
                .table_name(table)
                .send()
                .await
                .map_err(|e| format!("Scan: {e:?}"))?;
            serde_dynamo::from_items(out.items.unwrap_or_default())
                .map_err(|e| StackError(e.to_string()))
        })
    }
}
