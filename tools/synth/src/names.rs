//! Thai names for synthetic candidates, parties and polling staff.
//!
//! The parties are fictional: a synthetic dataset must not put invented numbers next
//! to real parties. The names are chosen to exercise what a reader of Thai forms
//! must handle: stacked vowels and tone marks (ศักดิ์, รุ่ง, ยั่ง), leading vowels
//! (เ แ โ ไ) and long compounds.

pub const MALE_FIRST: [&str; 12] = [
    "สมชาย",
    "ประเสริฐ",
    "วิชัย",
    "สุรศักดิ์",
    "อนุชา",
    "ธนากร",
    "พงศ์ศักดิ์",
    "ณัฐวุฒิ",
    "กิตติพงษ์",
    "ชัยวัฒน์",
    "ศุภชัย",
    "เกรียงไกร",
];

pub const FEMALE_FIRST: [&str; 12] = [
    "สุภาพร",
    "วรรณา",
    "กัญญา",
    "ปิยะนุช",
    "นันทนา",
    "อรทัย",
    "ศิริพร",
    "จันทร์เพ็ญ",
    "พรทิพย์",
    "ณัฐธิดา",
    "ดวงใจ",
    "เยาวลักษณ์",
];

pub const SURNAMES: [&str; 16] = [
    "ใจดี",
    "ศรีสุข",
    "วงศ์สวัสดิ์",
    "แก้วประเสริฐ",
    "บุญมา",
    "ทองคำ",
    "สุขเจริญ",
    "พิทักษ์ไทย",
    "รุ่งเรืองศรี",
    "ชัยมงคล",
    "อินทร์แก้ว",
    "เพชรรัตน์",
    "ศักดิ์สิทธิ์",
    "นาคประดิษฐ์",
    "ปัญญาดี",
    "โพธิ์ทอง",
];

/// Twenty fictional parties, in ballot-number order.
pub const PARTIES: [&str; 20] = [
    "พรรครวมใจพัฒนา",
    "พรรคไทยก้าวหน้า",
    "พรรคพลังชุมชน",
    "พรรคเมืองน่าอยู่",
    "พรรคทางเลือกใหม่",
    "พรรคแรงงานสร้างชาติ",
    "พรรคไทยยั่งยืน",
    "พรรครักษ์ธรรมชาติ",
    "พรรคประชาร่วมใจ",
    "พรรคพัฒนาท้องถิ่นไทย",
    "พรรคเสียงประชา",
    "พรรคฟ้าใหม่",
    "พรรคธรรมาภิบาลไทย",
    "พรรคก้าวทันโลก",
    "พรรคบ้านเมืองดี",
    "พรรคสานฝันไทย",
    "พรรครวมพลังสร้างสรรค์",
    "พรรคไทยเข้มแข็ง",
    "พรรคเกษตรกรรุ่งเรือง",
    "พรรคเยาวชนไทย",
];

/// A full name with its title, as printed on the form (นาย / นาง / นางสาว).
pub fn full_name(female: bool, married: bool, first: &str, surname: &str) -> String {
    let title = match (female, married) {
        (false, _) => "นาย",
        (true, true) => "นาง",
        (true, false) => "นางสาว",
    };
    format!("{title}{first} {surname}")
}
