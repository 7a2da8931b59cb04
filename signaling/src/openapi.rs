//! `GET /api/openapi.json`: the API described as OpenAPI 3.1, made from the same table the
//! router is built from (`api_routes.rs`), so the document lists every route there is. Bodies
//! and answers are described in words and in docs/protocol.md; what a caller must know to call
//! a route (its path, method, parameters, who may call it, the token scope, the error shape) is
//! here.

use crate::api_routes::{ApiRoute, Scope, API};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Map, Value};

pub async fn document(State(st): State<AppState>) -> Json<Value> {
    Json(describe(&st.config.public_url))
}

/// The document for a service reachable at `server`.
pub fn describe(server: &str) -> Value {
    let mut paths = Map::new();
    for r in API {
        let entry = paths.entry(r.path.to_owned()).or_insert_with(|| json!({}));
        entry[r.method] = operation(r);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Remote support: signaling API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Sessions, invitations, records and the site's settings. Bodies are JSON; times are \
                milliseconds since the Unix epoch. Integrations call it with an API token (`Authorization: Bearer …`, \
                made by a site admin) on the routes whose scope the token has; everything else takes the console's \
                login cookie. The message shapes are in docs/protocol.md.",
            "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
        },
        "servers": [{"url": server}],
        "paths": paths,
        "components": {
            "securitySchemes": {
                "login": {"type": "apiKey", "in": "cookie", "name": crate::auth::COOKIE, "description": "The console's login (POST /api/login)."},
                "apiToken": {"type": "http", "scheme": "bearer", "description": "An API token with the scope the route names."},
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["code", "message"],
                    "properties": {
                        "code": {"type": "string", "description": "Stable; the list is in docs/protocol.md, Errors."},
                        "message": {"type": "string", "description": "Words for a person."},
                    },
                },
            },
            "responses": {
                "Error": {
                    "description": "A refusal: the HTTP status of its code, and the code.",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
        },
    })
}

fn operation(r: &ApiRoute) -> Value {
    let params: Vec<Value> = path_parameters(r.path)
        .into_iter()
        .map(|name| json!({"name": name, "in": "path", "required": true, "schema": {"type": "string"}}))
        .collect();
    let scope = r.scope.map_or(String::new(), |s| format!(" API tokens with the `{}` scope may call it.", s.name()));
    let mut op = json!({
        "operationId": operation_id(r),
        "summary": r.summary,
        "description": format!("Who: {}.{scope}", r.who),
        "security": security(r),
        "responses": {
            "200": {"description": "Done; the answer's shape is in docs/protocol.md (HTTP API)."},
            "default": {"$ref": "#/components/responses/Error"},
        },
    });
    if !params.is_empty() {
        op["parameters"] = Value::Array(params);
    }
    if matches!(r.method, "post" | "put" | "patch") {
        op["requestBody"] = json!({"required": false, "content": {"application/json": {"schema": {"type": "object"}}}});
    }
    op
}

/// Who may call: nobody signed in, the login cookie, or also a token with the route's scope.
fn security(r: &ApiRoute) -> Value {
    let public = matches!(r.who, "anyone") || r.who.starts_with("customer");
    match (public, r.scope) {
        (true, _) => json!([]),
        (false, None) => json!([{"login": []}]),
        (false, Some(scope)) => json!([{"login": []}, {"apiToken": [Scope::name(scope)]}]),
    }
}

/// `{id}`-style segments of a path, in order.
fn path_parameters(path: &str) -> Vec<&str> {
    path.split('/').filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}')).collect()
}

/// `post_api_sessions_id_invitations` for `POST /api/sessions/{id}/invitations`: unique, as
/// method and path are.
fn operation_id(r: &ApiRoute) -> String {
    let path: String = r.path.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    let mut id = format!("{}_{}", r.method, path.trim_matches('_'));
    while id.contains("__") {
        id = id.replace("__", "_");
    }
    id.trim_end_matches('_').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_has_its_own_operation_and_its_path_parameters() {
        let doc = describe("https://support.example");
        let mut ids = std::collections::HashSet::new();
        for r in API {
            let op = &doc["paths"][r.path][r.method];
            assert!(op.is_object(), "{} {} is described", r.method, r.path);
            assert!(ids.insert(op["operationId"].as_str().unwrap_or_default().to_owned()), "operation ids are unique: {}", r.path);
            let named: Vec<&str> =
                op["parameters"].as_array().map(|ps| ps.iter().filter_map(|p| p["name"].as_str()).collect()).unwrap_or_default();
            assert_eq!(named, path_parameters(r.path));
        }
        assert_eq!(operation_id(&API[0]), "post_api_login");
    }

    #[test]
    fn token_routes_name_their_scope_and_the_rest_take_the_login_or_nothing() {
        let doc = describe("https://support.example");
        assert_eq!(doc["paths"]["/api/sessions"]["get"]["security"], json!([{"login": []}, {"apiToken": ["read_sessions"]}]));
        assert_eq!(doc["paths"]["/api/admin/tokens"]["post"]["security"], json!([{"login": []}]));
        assert_eq!(doc["paths"]["/api/join"]["post"]["security"], json!([]));
    }
}
