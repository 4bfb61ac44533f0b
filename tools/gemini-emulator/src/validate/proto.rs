//! The request messages of generateContent, as the service's protobuf JSON parser
//! knows them: field names (snake_case; the camelCase form is derived), types, and
//! which fields repeat. Only what a strict parser needs; free-form payloads (tools,
//! function calls) are accepted as any JSON value.

pub struct Message {
    /// Short name, e.g. `GenerationConfig`; errors print it fully qualified.
    pub name: &'static str,
    pub fields: &'static [Field],
}

pub struct Field {
    pub name: &'static str,
    pub kind: Kind,
    pub repeated: bool,
}

pub struct Enum {
    pub name: &'static str,
    pub values: &'static [&'static str],
}

pub enum Kind {
    String,
    Bytes,
    Bool,
    Int32,
    Int64,
    Float,
    Double,
    Enum(&'static Enum),
    Message(&'static Message),
    /// `map<string, Message>`.
    Map(&'static Message),
    /// `map<string, string>`.
    StringMap,
    /// `google.protobuf.Value` / `Struct`, or a payload we do not model.
    Any,
}

const fn field(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        repeated: false,
    }
}

const fn repeated(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        repeated: true,
    }
}

pub static GENERATE_CONTENT_REQUEST: Message = Message {
    name: "GenerateContentRequest",
    fields: &[
        field("model", Kind::String),
        repeated("contents", Kind::Message(&CONTENT)),
        field("system_instruction", Kind::Message(&CONTENT)),
        repeated("tools", Kind::Any),
        field("tool_config", Kind::Any),
        repeated("safety_settings", Kind::Message(&SAFETY_SETTING)),
        field("generation_config", Kind::Message(&GENERATION_CONFIG)),
        field("cached_content", Kind::String),
        field("labels", Kind::StringMap),
    ],
};

/// `models.batchGenerateContent`: a `GenerateContentBatch` whose inline requests are
/// `GenerateContentRequest`s (the output-only fields are accepted and ignored).
pub static BATCH_GENERATE_CONTENT_REQUEST: Message = Message {
    name: "BatchGenerateContentRequest",
    fields: &[field("batch", Kind::Message(&GENERATE_CONTENT_BATCH))],
};

pub static GENERATE_CONTENT_BATCH: Message = Message {
    name: "GenerateContentBatch",
    fields: &[
        field("model", Kind::String),
        field("name", Kind::String),
        field("display_name", Kind::String),
        field("input_config", Kind::Message(&BATCH_INPUT_CONFIG)),
        field("output", Kind::Any),
        field("create_time", Kind::String),
        field("end_time", Kind::String),
        field("update_time", Kind::String),
        field("batch_stats", Kind::Any),
        field("state", Kind::Any),
        field("priority", Kind::Int64),
    ],
};

pub static BATCH_INPUT_CONFIG: Message = Message {
    name: "InputConfig",
    fields: &[
        field("file_name", Kind::String),
        field("requests", Kind::Message(&INLINED_REQUESTS)),
    ],
};

pub static INLINED_REQUESTS: Message = Message {
    name: "InlinedRequests",
    fields: &[repeated("requests", Kind::Message(&INLINED_REQUEST))],
};

pub static INLINED_REQUEST: Message = Message {
    name: "InlinedRequest",
    fields: &[
        field("request", Kind::Message(&GENERATE_CONTENT_REQUEST)),
        // google.protobuf.Struct: any object, echoed back with the response.
        field("metadata", Kind::Any),
    ],
};

pub static CONTENT: Message = Message {
    name: "Content",
    fields: &[
        field("role", Kind::String),
        repeated("parts", Kind::Message(&PART)),
    ],
};

/// The members of `Part`'s `data` oneof: exactly one must be set.
pub const PART_DATA_ONEOF: &[&str] = &[
    "text",
    "inline_data",
    "file_data",
    "function_call",
    "function_response",
    "executable_code",
    "code_execution_result",
];

pub static PART: Message = Message {
    name: "Part",
    fields: &[
        field("text", Kind::String),
        field("inline_data", Kind::Message(&BLOB)),
        field("file_data", Kind::Message(&FILE_DATA)),
        field("function_call", Kind::Any),
        field("function_response", Kind::Any),
        field("executable_code", Kind::Any),
        field("code_execution_result", Kind::Any),
        field("thought", Kind::Bool),
        field("thought_signature", Kind::Bytes),
        field("video_metadata", Kind::Any),
        field("media_resolution", Kind::Any),
    ],
};

pub static BLOB: Message = Message {
    name: "Blob",
    fields: &[
        field("mime_type", Kind::String),
        field("data", Kind::Bytes),
        field("display_name", Kind::String),
    ],
};

pub static FILE_DATA: Message = Message {
    name: "FileData",
    fields: &[
        field("mime_type", Kind::String),
        field("file_uri", Kind::String),
        field("display_name", Kind::String),
    ],
};

pub static SAFETY_SETTING: Message = Message {
    name: "SafetySetting",
    fields: &[
        field("category", Kind::Enum(&HARM_CATEGORY)),
        field("threshold", Kind::Enum(&HARM_BLOCK_THRESHOLD)),
        field("method", Kind::Enum(&HARM_BLOCK_METHOD)),
    ],
};

pub static GENERATION_CONFIG: Message = Message {
    name: "GenerationConfig",
    fields: &[
        field("candidate_count", Kind::Int32),
        repeated("stop_sequences", Kind::String),
        field("max_output_tokens", Kind::Int32),
        field("temperature", Kind::Float),
        field("top_p", Kind::Float),
        field("top_k", Kind::Int32),
        field("seed", Kind::Int32),
        field("presence_penalty", Kind::Float),
        field("frequency_penalty", Kind::Float),
        field("response_logprobs", Kind::Bool),
        field("logprobs", Kind::Int32),
        field("enable_enhanced_civic_answers", Kind::Bool),
        field("response_mime_type", Kind::String),
        field("response_schema", Kind::Message(&SCHEMA)),
        field("response_json_schema", Kind::Any),
        repeated("response_modalities", Kind::Enum(&MODALITY)),
        field("speech_config", Kind::Any),
        field("thinking_config", Kind::Message(&THINKING_CONFIG)),
        field("media_resolution", Kind::Enum(&MEDIA_RESOLUTION)),
        field("audio_timestamp", Kind::Bool),
        field("routing_config", Kind::Any),
        field("image_config", Kind::Any),
    ],
};

pub static THINKING_CONFIG: Message = Message {
    name: "ThinkingConfig",
    fields: &[
        field("include_thoughts", Kind::Bool),
        field("thinking_budget", Kind::Int32),
        field("thinking_level", Kind::Enum(&THINKING_LEVEL)),
    ],
};

pub static SCHEMA: Message = Message {
    name: "Schema",
    fields: &[
        field("type", Kind::Enum(&TYPE)),
        field("format", Kind::String),
        field("title", Kind::String),
        field("description", Kind::String),
        field("nullable", Kind::Bool),
        repeated("enum", Kind::String),
        field("max_items", Kind::Int64),
        field("min_items", Kind::Int64),
        field("properties", Kind::Map(&SCHEMA)),
        repeated("required", Kind::String),
        field("min_properties", Kind::Int64),
        field("max_properties", Kind::Int64),
        field("min_length", Kind::Int64),
        field("max_length", Kind::Int64),
        field("pattern", Kind::String),
        field("example", Kind::Any),
        repeated("any_of", Kind::Message(&SCHEMA)),
        repeated("property_ordering", Kind::String),
        field("default", Kind::Any),
        field("items", Kind::Message(&SCHEMA)),
        field("minimum", Kind::Double),
        field("maximum", Kind::Double),
    ],
};

pub static TYPE: Enum = Enum {
    name: "Type",
    values: &[
        "TYPE_UNSPECIFIED",
        "STRING",
        "NUMBER",
        "INTEGER",
        "BOOLEAN",
        "ARRAY",
        "OBJECT",
        "NULL",
    ],
};

pub static HARM_CATEGORY: Enum = Enum {
    name: "HarmCategory",
    values: &[
        "HARM_CATEGORY_UNSPECIFIED",
        "HARM_CATEGORY_DEROGATORY",
        "HARM_CATEGORY_TOXICITY",
        "HARM_CATEGORY_VIOLENCE",
        "HARM_CATEGORY_SEXUAL",
        "HARM_CATEGORY_MEDICAL",
        "HARM_CATEGORY_DANGEROUS",
        "HARM_CATEGORY_HARASSMENT",
        "HARM_CATEGORY_HATE_SPEECH",
        "HARM_CATEGORY_SEXUALLY_EXPLICIT",
        "HARM_CATEGORY_DANGEROUS_CONTENT",
        "HARM_CATEGORY_CIVIC_INTEGRITY",
    ],
};

pub static HARM_BLOCK_THRESHOLD: Enum = Enum {
    name: "SafetySetting.HarmBlockThreshold",
    values: &[
        "HARM_BLOCK_THRESHOLD_UNSPECIFIED",
        "BLOCK_LOW_AND_ABOVE",
        "BLOCK_MEDIUM_AND_ABOVE",
        "BLOCK_ONLY_HIGH",
        "BLOCK_NONE",
        "OFF",
    ],
};

pub static HARM_BLOCK_METHOD: Enum = Enum {
    name: "SafetySetting.HarmBlockMethod",
    values: &["HARM_BLOCK_METHOD_UNSPECIFIED", "SEVERITY", "PROBABILITY"],
};

pub static MODALITY: Enum = Enum {
    name: "GenerationConfig.Modality",
    values: &["MODALITY_UNSPECIFIED", "TEXT", "IMAGE", "AUDIO"],
};

pub static MEDIA_RESOLUTION: Enum = Enum {
    name: "GenerationConfig.MediaResolution",
    values: &[
        "MEDIA_RESOLUTION_UNSPECIFIED",
        "MEDIA_RESOLUTION_LOW",
        "MEDIA_RESOLUTION_MEDIUM",
        "MEDIA_RESOLUTION_HIGH",
    ],
};

pub static THINKING_LEVEL: Enum = Enum {
    name: "ThinkingConfig.ThinkingLevel",
    values: &[
        "THINKING_LEVEL_UNSPECIFIED",
        "MINIMAL",
        "LOW",
        "MEDIUM",
        "HIGH",
    ],
};

/// `response_mime_type` → `responseMimeType`.
pub fn camel_case(snake: &str) -> String {
    let mut out = String::with_capacity(snake.len());
    let mut upper = false;
    for ch in snake.chars() {
        if ch == '_' {
            upper = true;
        } else if upper {
            out.push(ch.to_ascii_uppercase());
            upper = false;
        } else {
            out.push(ch);
        }
    }
    out
}

impl Message {
    /// The field a JSON key names, in either spelling.
    pub fn field(&self, key: &str) -> Option<&Field> {
        self.fields
            .iter()
            .find(|f| f.name == key || (f.name.contains('_') && camel_case(f.name) == key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_spellings_find_the_field() {
        assert_eq!(camel_case("response_mime_type"), "responseMimeType");
        for key in ["thinking_config", "thinkingConfig"] {
            assert_eq!(
                GENERATION_CONFIG.field(key).unwrap().name,
                "thinking_config"
            );
        }
        assert!(GENERATION_CONFIG.field("thinkingconfig").is_none());
        assert!(GENERATION_CONFIG.field("ThinkingConfig").is_none());
    }
}
