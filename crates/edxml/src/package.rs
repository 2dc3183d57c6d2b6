//! Typed edXML packages and status messages, to and from the validated tree.
//!
//! Reading assumes the tree passed [`crate::schema::validate`] (so every required element is
//! there, once, with a valid value) and adds only what XSD 1.0 cannot say: a package has a
//! manifest whose references match its attachments, a status has neither.

use crate::dom::{Attribute, Element, Node};
use crate::{EDXML_NS, EdxmlError, dsig, read_valid, schema, write};
use base64::Engine;
use p256::ecdsa::{SigningKey, VerifyingKey};
use tinhso_domain::agency_code::AgencyCode;

/// An agency as edXML describes it (`From`, `To`, `Status/From`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organ {
    pub organ_id: AgencyCode,
    pub organization_in_charge: Option<String>,
    pub organ_name: String,
    pub organ_add: Option<String>,
    pub email: Option<String>,
    pub telephone: Option<String>,
    pub fax: Option<String>,
    pub website: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignerInfo {
    pub competence: String,
    pub position: String,
    pub full_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OtherInfo {
    /// 0 normal, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc hẹn giờ.
    pub priority: u8,
    pub sphere_of_promulgation: Option<String>,
    pub typer_notation: Option<String>,
    pub promulgation_amount: Option<u32>,
    pub page_amount: Option<u32>,
    pub direction: Option<String>,
    pub appendixes: Vec<String>,
}

/// The document a package or status answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseFor {
    pub organ_id: AgencyCode,
    pub code: String,
    pub promulgation_date: String,
    pub document_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraceHeader {
    pub organ_id: AgencyCode,
    /// `yyyy/MM/dd HH:mm:ss`, Vietnam time.
    pub timestamp: String,
}

/// The business block; `spelled_bussiness` keeps the government sample's spelling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Business {
    pub spelled_bussiness: bool,
    /// 0 new, 1 revoke, 2 update, 3 replace.
    pub doc_type: u8,
    pub reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestReference {
    pub content_id: String,
    pub content_type: String,
    pub description: Option<String>,
    pub attachment_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    pub content_id: String,
    pub attachment_name: String,
    pub description: Option<String>,
    pub content_type: String,
    pub content: Vec<u8>,
}

/// An edXML package: one official document with its attachments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub from: Organ,
    pub to: Vec<Organ>,
    /// `<sender OrganId>,<yyyy/MM/dd>,<number>/<notation>`.
    pub document_id: String,
    pub code_number: String,
    pub code_notation: String,
    pub place: String,
    /// `yyyy/MM/dd`.
    pub promulgation_date: String,
    pub document_type: String,
    pub type_detail: String,
    pub type_name: String,
    pub subject: String,
    pub content: Option<String>,
    pub signer: SignerInfo,
    pub due_date: Option<String>,
    pub other_info: OtherInfo,
    pub steering_type: Option<u8>,
    pub to_places: Vec<String>,
    pub response_for: Option<ResponseFor>,
    pub trace_headers: Vec<TraceHeader>,
    pub business: Option<Business>,
    pub references: Vec<ManifestReference>,
    pub attachments: Vec<Attachment>,
}

/// Status codes of QCVN 102:2016 as Decision 28/2018 uses them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusCode {
    Arrived,
    Rejected,
    Registered,
    Assigned,
    InProgress,
    Done,
    Recall,
    RecallAccepted,
    RecallRefused,
}

impl StatusCode {
    pub const ALL: [StatusCode; 9] = [
        StatusCode::Arrived,
        StatusCode::Rejected,
        StatusCode::Registered,
        StatusCode::Assigned,
        StatusCode::InProgress,
        StatusCode::Done,
        StatusCode::Recall,
        StatusCode::RecallAccepted,
        StatusCode::RecallRefused,
    ];

    pub fn code(self) -> &'static str {
        match self {
            StatusCode::Arrived => "01",
            StatusCode::Rejected => "02",
            StatusCode::Registered => "03",
            StatusCode::Assigned => "04",
            StatusCode::InProgress => "05",
            StatusCode::Done => "06",
            StatusCode::Recall => "13",
            StatusCode::RecallAccepted => "15",
            StatusCode::RecallRefused => "16",
        }
    }

    /// The Vietnamese name shown to clerks.
    pub fn label(self) -> &'static str {
        match self {
            StatusCode::Arrived => "Đã đến",
            StatusCode::Rejected => "Bị từ chối",
            StatusCode::Registered => "Đã vào sổ",
            StatusCode::Assigned => "Đã phân công",
            StatusCode::InProgress => "Đang xử lý",
            StatusCode::Done => "Hoàn thành",
            StatusCode::Recall => "Thu hồi",
            StatusCode::RecallAccepted => "Đồng ý thu hồi",
            StatusCode::RecallRefused => "Từ chối thu hồi",
        }
    }

    pub fn from_code(code: &str) -> Option<StatusCode> {
        StatusCode::ALL.into_iter().find(|s| s.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StaffInfo {
    pub department: Option<String>,
    pub staff: Option<String>,
    pub mobile: Option<String>,
    pub email: Option<String>,
}

/// A status message about a document received earlier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub response_for: ResponseFor,
    pub from: Organ,
    pub status_code: StatusCode,
    pub description: Option<String>,
    /// `yyyy/MM/dd HH:mm:ss`, Vietnam time.
    pub timestamp: String,
    pub staff_info: Option<StaffInfo>,
}

// ---- writing ----

fn e(local: &str) -> Element {
    Element::new("edXML", local, EDXML_NS)
}

fn leaf(local: &str, text: impl Into<String>) -> Element {
    let mut element = e(local);
    let text = text.into();
    if !text.is_empty() {
        element.children.push(Node::Text(text));
    }
    element
}

fn node(local: &str, children: Vec<Element>) -> Element {
    let mut element = e(local);
    element.children = children.into_iter().map(Node::Element).collect();
    element
}

fn optional(children: &mut Vec<Element>, local: &str, value: Option<impl ToString>) {
    if let Some(value) = value {
        children.push(leaf(local, value.to_string()));
    }
}

impl Organ {
    fn to_element(&self, local: &str) -> Element {
        let mut children = vec![leaf("OrganId", self.organ_id.to_string())];
        optional(
            &mut children,
            "OrganizationInCharge",
            self.organization_in_charge.as_ref(),
        );
        children.push(leaf("OrganName", &self.organ_name));
        optional(&mut children, "OrganAdd", self.organ_add.as_ref());
        optional(&mut children, "Email", self.email.as_ref());
        optional(&mut children, "Telephone", self.telephone.as_ref());
        optional(&mut children, "Fax", self.fax.as_ref());
        optional(&mut children, "Website", self.website.as_ref());
        node(local, children)
    }
}

impl ResponseFor {
    fn to_element(&self) -> Element {
        node(
            "ResponseFor",
            vec![
                leaf("OrganId", self.organ_id.to_string()),
                leaf("Code", &self.code),
                leaf("PromulgationDate", &self.promulgation_date),
                leaf("DocumentId", &self.document_id),
            ],
        )
    }
}

/// The root with its namespace declared once.
fn envelope(header: Vec<Element>, body: Vec<Element>, attachments: Option<Element>) -> Element {
    let mut root = e("edXMLEnvelope");
    root.ns_decls.push(("edXML".into(), EDXML_NS.into()));
    let mut children = vec![node("edXMLHeader", header), node("edXMLBody", body)];
    children.extend(attachments);
    root.children = children.into_iter().map(Node::Element).collect();
    root
}

impl Package {
    fn message_header(&self) -> Element {
        let mut children = vec![self.from.to_element("From")];
        children.extend(self.to.iter().map(|o| o.to_element("To")));
        children.push(leaf("DocumentId", &self.document_id));
        children.push(node(
            "Code",
            vec![
                leaf("CodeNumber", &self.code_number),
                leaf("CodeNotation", &self.code_notation),
            ],
        ));
        children.push(node(
            "PromulgationInfo",
            vec![
                leaf("Place", &self.place),
                leaf("PromulgationDate", &self.promulgation_date),
            ],
        ));
        children.push(node(
            "DocumentType",
            vec![
                leaf("Type", &self.document_type),
                leaf("TypeDetail", &self.type_detail),
                leaf("TypeName", &self.type_name),
            ],
        ));
        children.push(leaf("Subject", &self.subject));
        optional(&mut children, "Content", self.content.as_ref());
        children.push(node(
            "SignerInfo",
            vec![
                leaf("Competence", &self.signer.competence),
                leaf("Position", &self.signer.position),
                leaf("FullName", &self.signer.full_name),
            ],
        ));
        optional(&mut children, "DueDate", self.due_date.as_ref());
        children.push(self.other_info());
        optional(&mut children, "SteeringType", self.steering_type);
        if !self.to_places.is_empty() {
            children.push(node(
                "ToPlaces",
                self.to_places.iter().map(|p| leaf("Place", p)).collect(),
            ));
        }
        children.extend(self.response_for.as_ref().map(ResponseFor::to_element));
        node("MessageHeader", children)
    }

    fn other_info(&self) -> Element {
        let info = &self.other_info;
        let mut children = vec![leaf("Priority", info.priority.to_string())];
        optional(
            &mut children,
            "SphereOfPromulgation",
            info.sphere_of_promulgation.as_ref(),
        );
        optional(&mut children, "TyperNotation", info.typer_notation.as_ref());
        optional(
            &mut children,
            "PromulgationAmount",
            info.promulgation_amount,
        );
        optional(&mut children, "PageAmount", info.page_amount);
        optional(&mut children, "Direction", info.direction.as_ref());
        if !info.appendixes.is_empty() {
            children.push(node(
                "Appendixes",
                info.appendixes
                    .iter()
                    .map(|a| leaf("Appendix", a))
                    .collect(),
            ));
        }
        node("OtherInfo", children)
    }

    fn trace_header_list(&self) -> Element {
        let mut children: Vec<Element> = self
            .trace_headers
            .iter()
            .map(|t| {
                node(
                    "TraceHeader",
                    vec![
                        leaf("OrganId", t.organ_id.to_string()),
                        leaf("Timestamp", &t.timestamp),
                    ],
                )
            })
            .collect();
        if let Some(business) = &self.business {
            let mut inner = vec![leaf("BussinessDocType", business.doc_type.to_string())];
            optional(&mut inner, "BussinessDocReason", business.reason.as_ref());
            children.push(node(
                if business.spelled_bussiness {
                    "Bussiness"
                } else {
                    "Business"
                },
                inner,
            ));
        }
        node("TraceHeaderList", children)
    }

    /// The package as an unsigned tree (no `ds:Signature` yet).
    pub fn to_element(&self) -> Element {
        let references = self
            .references
            .iter()
            .map(|r| {
                let mut children = vec![
                    leaf("ContentId", &r.content_id),
                    leaf("ContentType", &r.content_type),
                ];
                optional(&mut children, "Description", r.description.as_ref());
                children.push(leaf("AttachmentName", &r.attachment_name));
                node("Reference", children)
            })
            .collect();
        let mut manifest = node("edXMLManifest", references);
        manifest.attributes.push(Attribute {
            prefix: String::new(),
            local: "version".into(),
            ns: String::new(),
            value: "1.0".into(),
        });
        let b64 = &base64::engine::general_purpose::STANDARD;
        let attachments = (!self.attachments.is_empty()).then(|| {
            node(
                "AttachmentEncoded",
                self.attachments
                    .iter()
                    .map(|a| {
                        let mut children = vec![
                            leaf("ContentId", &a.content_id),
                            leaf("AttachmentName", &a.attachment_name),
                        ];
                        optional(&mut children, "Description", a.description.as_ref());
                        children.push(leaf("ContentType", &a.content_type));
                        children.push(leaf("ContentTransferEncoded", b64.encode(&a.content)));
                        node("Attachment", children)
                    })
                    .collect(),
            )
        });
        envelope(
            vec![self.message_header(), self.trace_header_list()],
            vec![manifest],
            attachments,
        )
    }

    /// The signed package, ready to send.
    pub fn to_signed_xml(&self, key: &SigningKey) -> Result<Vec<u8>, EdxmlError> {
        let mut root = self.to_element();
        dsig::sign(&mut root, key)?;
        let bytes = write(&root);
        // What we send must pass our own schema: a value the types allowed but the XSD does
        // not (a 600-character subject) is refused here rather than by the peer.
        read_valid(&bytes, usize::MAX)?;
        Ok(bytes)
    }

    /// Reads a package: parse within `max_bytes`, validate, verify with the peer's key.
    pub fn read(
        bytes: &[u8],
        max_bytes: usize,
        peer_key: &VerifyingKey,
    ) -> Result<Package, EdxmlError> {
        let root = read_valid(bytes, max_bytes)?;
        dsig::verify(&root, peer_key)?;
        Package::from_valid(&root)
    }

    /// Reads the fields of a tree that passed [`schema::validate`] (signature not checked).
    pub fn from_valid(root: &Element) -> Result<Package, EdxmlError> {
        let header = req(root, "edXMLHeader");
        let Some(message) = header.child(EDXML_NS, "MessageHeader") else {
            return Err(kind_error(
                "là thông điệp trạng thái, không phải gói văn bản",
            ));
        };
        let trace = req(header, "TraceHeaderList");
        let code = req(message, "Code");
        let promulgation = req(message, "PromulgationInfo");
        let doc_type = req(message, "DocumentType");
        let signer = req(message, "SignerInfo");
        let package = Package {
            from: Organ::from_element(req(message, "From"))?,
            to: message
                .elements()
                .filter(|c| c.is(EDXML_NS, "To"))
                .map(Organ::from_element)
                .collect::<Result<_, _>>()?,
            document_id: text(message, "DocumentId"),
            code_number: text(code, "CodeNumber"),
            code_notation: text(code, "CodeNotation"),
            place: text(promulgation, "Place"),
            promulgation_date: text(promulgation, "PromulgationDate"),
            document_type: text(doc_type, "Type"),
            type_detail: text(doc_type, "TypeDetail"),
            type_name: text(doc_type, "TypeName"),
            subject: text(message, "Subject"),
            content: opt_text(message, "Content"),
            signer: SignerInfo {
                competence: text(signer, "Competence"),
                position: text(signer, "Position"),
                full_name: text(signer, "FullName"),
            },
            due_date: opt_text(message, "DueDate"),
            other_info: other_info_from(req(message, "OtherInfo")),
            steering_type: opt_text(message, "SteeringType").and_then(|s| s.parse().ok()),
            to_places: message
                .child(EDXML_NS, "ToPlaces")
                .map(|p| texts(p, "Place"))
                .unwrap_or_default(),
            response_for: message
                .child(EDXML_NS, "ResponseFor")
                .map(ResponseFor::from_element)
                .transpose()?,
            trace_headers: trace
                .elements()
                .filter(|c| c.is(EDXML_NS, "TraceHeader"))
                .map(|t| {
                    Ok(TraceHeader {
                        organ_id: organ_id(t)?,
                        timestamp: text(t, "Timestamp"),
                    })
                })
                .collect::<Result<_, EdxmlError>>()?,
            business: business_from(trace),
            references: references_from(root),
            attachments: attachments_from(root)?,
        };
        package.check_manifest()?;
        Ok(package)
    }

    /// Each attachment is listed in the manifest, and each listed file is attached.
    fn check_manifest(&self) -> Result<(), EdxmlError> {
        if self.references.is_empty() {
            return Err(EdxmlError::Invalid(
                "Thiếu trường bắt buộc edXMLBody/edXMLManifest".into(),
            ));
        }
        for attachment in &self.attachments {
            if !self
                .references
                .iter()
                .any(|r| r.content_id == attachment.content_id)
            {
                return Err(EdxmlError::Invalid(format!(
                    "Tệp đính kèm {} (AttachmentEncoded/Attachment/ContentId) không có trong edXMLBody/edXMLManifest",
                    attachment.content_id
                )));
            }
        }
        for reference in &self.references {
            if self
                .attachments
                .iter()
                .filter(|a| a.content_id == reference.content_id)
                .count()
                != 1
            {
                return Err(EdxmlError::Invalid(format!(
                    "edXMLBody/edXMLManifest/Reference {} phải có đúng một tệp đính kèm cùng ContentId",
                    reference.content_id
                )));
            }
        }
        Ok(())
    }
}

impl Status {
    pub fn to_element(&self) -> Element {
        let mut children = vec![self.response_for.to_element(), self.from.to_element("From")];
        children.push(leaf("StatusCode", self.status_code.code()));
        optional(&mut children, "Description", self.description.as_ref());
        children.push(leaf("Timestamp", &self.timestamp));
        if let Some(staff) = &self.staff_info {
            let mut inner = Vec::new();
            optional(&mut inner, "Department", staff.department.as_ref());
            optional(&mut inner, "Staff", staff.staff.as_ref());
            optional(&mut inner, "Mobile", staff.mobile.as_ref());
            optional(&mut inner, "Email", staff.email.as_ref());
            children.push(node("StaffInfo", inner));
        }
        envelope(vec![node("Status", children)], vec![], None)
    }

    pub fn to_signed_xml(&self, key: &SigningKey) -> Result<Vec<u8>, EdxmlError> {
        let mut root = self.to_element();
        dsig::sign(&mut root, key)?;
        let bytes = write(&root);
        read_valid(&bytes, usize::MAX)?;
        Ok(bytes)
    }

    pub fn read(
        bytes: &[u8],
        max_bytes: usize,
        peer_key: &VerifyingKey,
    ) -> Result<Status, EdxmlError> {
        let root = read_valid(bytes, max_bytes)?;
        dsig::verify(&root, peer_key)?;
        Status::from_valid(&root)
    }

    pub fn from_valid(root: &Element) -> Result<Status, EdxmlError> {
        let Some(status) = req(root, "edXMLHeader").child(EDXML_NS, "Status") else {
            return Err(kind_error(
                "là gói văn bản, không phải thông điệp trạng thái",
            ));
        };
        if req(root, "edXMLBody").elements().next().is_some()
            || root.child(EDXML_NS, "AttachmentEncoded").is_some()
        {
            return Err(EdxmlError::Invalid(
                "Thông điệp trạng thái không được có edXMLBody/edXMLManifest hay AttachmentEncoded"
                    .into(),
            ));
        }
        Ok(Status {
            response_for: ResponseFor::from_element(req(status, "ResponseFor"))?,
            from: Organ::from_element(req(status, "From"))?,
            status_code: StatusCode::from_code(&text(status, "StatusCode")).ok_or_else(|| {
                EdxmlError::Invalid("Giá trị của edXMLHeader/Status/StatusCode không hợp lệ".into())
            })?,
            description: opt_text(status, "Description"),
            timestamp: text(status, "Timestamp"),
            staff_info: status.child(EDXML_NS, "StaffInfo").map(|s| StaffInfo {
                department: opt_text(s, "Department"),
                staff: opt_text(s, "Staff"),
                mobile: opt_text(s, "Mobile"),
                email: opt_text(s, "Email"),
            }),
        })
    }
}

// ---- reading a validated tree ----

fn kind_error(what: &str) -> EdxmlError {
    EdxmlError::Invalid(format!("Tài liệu {what}"))
}

/// A required child: the schema already guaranteed it, so an empty stand-in never shows.
fn req<'a>(parent: &'a Element, local: &str) -> &'a Element {
    static EMPTY: std::sync::OnceLock<Element> = std::sync::OnceLock::new();
    parent
        .child(EDXML_NS, local)
        .unwrap_or_else(|| EMPTY.get_or_init(|| Element::new("", "", "")))
}

fn text(parent: &Element, local: &str) -> String {
    req(parent, local).text()
}

fn opt_text(parent: &Element, local: &str) -> Option<String> {
    parent.child(EDXML_NS, local).map(Element::text)
}

fn texts(parent: &Element, local: &str) -> Vec<String> {
    parent
        .elements()
        .filter(|c| c.is(EDXML_NS, local))
        .map(Element::text)
        .collect()
}

fn organ_id(parent: &Element) -> Result<AgencyCode, EdxmlError> {
    // The schema's pattern is AgencyCode's rule, so this only fails on an unvalidated tree.
    text(parent, "OrganId").parse().map_err(|e| {
        EdxmlError::Invalid(format!(
            "Giá trị của {}/OrganId không hợp lệ: {e}",
            parent.local
        ))
    })
}

fn count(value: Option<String>) -> Option<u32> {
    value.and_then(|v| v.parse().ok())
}

impl Organ {
    fn from_element(element: &Element) -> Result<Organ, EdxmlError> {
        Ok(Organ {
            organ_id: organ_id(element)?,
            organization_in_charge: opt_text(element, "OrganizationInCharge"),
            organ_name: text(element, "OrganName"),
            organ_add: opt_text(element, "OrganAdd"),
            email: opt_text(element, "Email"),
            telephone: opt_text(element, "Telephone"),
            fax: opt_text(element, "Fax"),
            website: opt_text(element, "Website"),
        })
    }
}

impl ResponseFor {
    fn from_element(element: &Element) -> Result<ResponseFor, EdxmlError> {
        Ok(ResponseFor {
            organ_id: organ_id(element)?,
            code: text(element, "Code"),
            promulgation_date: text(element, "PromulgationDate"),
            document_id: text(element, "DocumentId"),
        })
    }
}

fn other_info_from(element: &Element) -> OtherInfo {
    OtherInfo {
        priority: text(element, "Priority").parse().unwrap_or(0),
        sphere_of_promulgation: opt_text(element, "SphereOfPromulgation"),
        typer_notation: opt_text(element, "TyperNotation"),
        promulgation_amount: count(opt_text(element, "PromulgationAmount")),
        page_amount: count(opt_text(element, "PageAmount")),
        direction: opt_text(element, "Direction"),
        appendixes: element
            .child(EDXML_NS, "Appendixes")
            .map(|a| texts(a, "Appendix"))
            .unwrap_or_default(),
    }
}

fn business_from(trace: &Element) -> Option<Business> {
    let (element, spelled_bussiness) = match trace.child(EDXML_NS, "Bussiness") {
        Some(b) => (b, true),
        None => (trace.child(EDXML_NS, "Business")?, false),
    };
    Some(Business {
        spelled_bussiness,
        doc_type: text(element, "BussinessDocType").parse().unwrap_or(0),
        reason: opt_text(element, "BussinessDocReason"),
    })
}

fn references_from(root: &Element) -> Vec<ManifestReference> {
    let Some(manifest) = req(root, "edXMLBody").child(EDXML_NS, "edXMLManifest") else {
        return Vec::new();
    };
    manifest
        .elements()
        .map(|r| ManifestReference {
            content_id: text(r, "ContentId"),
            content_type: text(r, "ContentType"),
            description: opt_text(r, "Description"),
            attachment_name: text(r, "AttachmentName"),
        })
        .collect()
}

fn attachments_from(root: &Element) -> Result<Vec<Attachment>, EdxmlError> {
    let Some(encoded) = root.child(EDXML_NS, "AttachmentEncoded") else {
        return Ok(Vec::new());
    };
    encoded
        .elements()
        .map(|a| {
            let content = schema::base64_octets(&text(a, "ContentTransferEncoded")).ok_or_else(|| {
                EdxmlError::Invalid("Giá trị của AttachmentEncoded/Attachment/ContentTransferEncoded không phải base64".into())
            })?;
            Ok(Attachment {
                content_id: text(a, "ContentId"),
                attachment_name: text(a, "AttachmentName"),
                description: opt_text(a, "Description"),
                content_type: text(a, "ContentType"),
                content,
            })
        })
        .collect()
}
