package payments

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	lifeline "github.com/lifeline-gov/lifeline"
	"github.com/lifeline-gov/lifeline/rules"
)

// Standard 18 limits, set by the widths of its fields.
const (
	labelLen      = 80             // VOL1, HDR1, HDR2, UHL1, EOF1, EOF2, UTL1
	recordLen     = 100            // standard and contra records (single processing day)
	maxS18Amount  = 99_999_999_999 // pence: the 11-digit amount field, £999,999,999.99
	maxS18Items   = 9_999_999      // the 7-digit count fields of UTL1
	s18NameWidth  = 18             // names and references in the 100-character records
	txCredit      = "99"           // transaction code of a Bank Giro Credit
	txContraDebit = "17"           // transaction code of the contra that debits the originator
)

// WriteStandard18 writes s as a Bacs Standard 18 input file for a single
// processing day, the fixed-width format a department submits through
// Bacstel-IP: one credit (transaction code 99) per instruction, balanced by
// one contra record debiting the originator's account (transaction code 17).
// It validates s first and writes nothing when s is invalid: the error is a
// *lifeline.Error with code EINVALID naming the offending field, for example
// "Instructions[2].Payee.SortCode".
//
// # Sources
//
// Bacs publishes the full standard ("Standard 18", Bacs Interchange Standards)
// only to its users, so the layout below was put together from the
// specifications banks and Bacs-approved software publish for their
// customers. Where two cover the same columns they agree:
//
//   - Bank of Ireland, "BACS File Specification" (Appendix 2): VOL1 and HDR1
//     field by field, including the HDR1 file identifier.
//     https://www.scribd.com/document/668157420/BACS-File-Spec and
//     https://online.documentine.com/bank-branch-number-on-check/2/pdf-bacs-file-specification.html
//   - FinDock, "Bacs Direct Debit collection file": the record sequence and
//     label widths (80) and the VOL1 owner identification.
//     https://docs.findock.com/May-25-sandbox/payment-processors/bacs-dd-collection-file
//   - MYOB, "Settings of the BACS HSBC File" (HSBC's Standard 18 profile): VOL1.
//     https://help.myob.com.au/advanced/Docs/Published/UserGuide/CA__CON_Settings_of_BACS_HSBC_Plug-In.html
//   - IBM Sterling, "Domestic format for the United Kingdom" (citing Bacs
//     Interchange Standards v18/9): data records are 100 characters, or 106
//     when each carries its own processing day.
//     https://www.ibm.com/docs/en/ste/10.1.2?topic=support-domestic-format-united-kingdom
//   - The Access Group, "Format C - Bank of Ireland": data record columns 1-6,
//     7-14, 16-17, 36-46 (pence) and 65-82.
//     https://help-coins.theaccessgroup.com/en/articles/14752394-format-c-bank-of-ireland
//   - Oracle JD Edwards, "BACS" processing options: the free-format field in
//     columns 32-35 of data and contra records; UHL1 currency code 00 for
//     sterling (Oracle counts that field's columns from 0, as 20-21).
//     https://docs.oracle.com/en/applications/jd-edwards/localizations/9.2/eoauk/bacs.html
//   - Ultra Electronics Paygate, "Allowed Characters": the Bacs character set.
//     https://portal.paygate.cloud/paygatedesktop/scr/Allowed_Characters.htm
//   - payroll.help.center, on how Bacs software checks the UHL1 date: written
//     bYYDDD, a processing day, not in the past.
//     https://payroll.help.center/article/1556-the-date-value-generated-in-your-application-is-amended-while-uploading-to-the-bacs-software-what-is-the-reason
//   - Fujitsu BS2000 DMS, "End-of-file labels EOF1 through EOF9": the tape
//     labels (ECMA-13 / ISO 1001) on which the Standard 18 labels are built;
//     EOF1 and EOF2 repeat HDR1 and HDR2 field for field.
//     https://bs2manuals.ts.fujitsu.com/psBS2000OPERATINGSYSTEMV210en/dms-macros-user-guide-20519/appendix-bs2000-v21-0a-dms-macros-2021-06-135/labels-bs2000-v21-0a-dms-macros-2021-06-145/end-of-file-labels-eof1-through-eof9-bs2000-v21-0a-dms-macros-2021-06-151
//
// The complete Standard 18 guides of HSBC ("Message Implementation Guide BACS
// Standard 18", 2012) and of Bacs itself ("ISO 20022 Standard 18 Translation
// Guide", 2017) were found only as tables of contents, so could not be used.
// No source readable here gives HDR2, UHL1 (beyond its currency code), the
// contra record or UTL1 column by column; those follow the layout as commonly
// published (HDR2 and EOF2 after the tape label standard) and are the ones to
// check against the sponsoring bank's guide before the first live submission.
//
// # File
//
// Nine kinds of record, in this order, each on its own line:
//
//	VOL1  HDR1  HDR2  UHL1  credit...  contra  EOF1  EOF2  UTL1
//
// Labels are 80 characters and the credit and contra records 100. Standard 18
// itself has no line ends: it was defined for fixed-length records on tape,
// which is why every record has a fixed width. Files given to Bacstel-IP
// software are text files with one record per line, and this writer ends
// every line, the last included, with CR LF. No source found states the line
// end of a Standard 18 file outright, so this is a decision: CR LF is the line
// end Bacstel-IP software asks for in its other import formats (Paygate's
// "BACS Payment Editor CSV Format", for one,
// https://portal.paygate.cloud/PaygateEnterprise2.1.2/BACSPaymentEditorCSVFormat.html).
// The record lengths above never include it.
//
// Alphanumeric fields are left-justified and filled with spaces; numeric
// fields are right-justified and filled with zeros. Names and references hold
// only the Bacs character set, A-Z 0-9 . & / - and space: letters are
// upper-cased, accented Latin letters lose their accents (É becomes E, ß SS),
// apostrophes are dropped (O'Brien becomes OBRIEN), every other character
// becomes a space, runs of spaces become one and the result is cut to the
// field's width.
//
// Dates are Bacs Julian dates "bYYDDD": a space, the last two digits of the
// year and the day of the year from 001, so 4 June 2026 is " 26155". The
// creation date is the UTC date of s.CreatedAt. The processing day is the
// working day before s.PayDate (WorkingDay: not a weekend or an England and
// Wales bank holiday): Bacs processes a file on day 2 of its three-day cycle
// and the money reaches the accounts on day 3, the next processing day. The
// file must reach Bacs by day 1, the working day before the processing day;
// this writer does not check the creation date against that, since it may be
// asked to write a file again later, so the caller must.
//
// # Records (columns numbered from 1, inclusive)
//
// VOL1, volume header label, 80:
//
//	1-3    "VOL"
//	4      "1"
//	5-10   submission serial number: six digits derived from s.ID, 000001-999999
//	       (Bacs: not all zeros, unique for the service user on the day)
//	11     accessibility indicator, space
//	12-37  reserved, spaces
//	38-41  owner identification, spaces
//	42-47  owner identification: the service user number (SUN)
//	48-51  owner identification, spaces
//	52-79  reserved, spaces
//	80     label standard level, "1"
//
// HDR1, first file header label, 80:
//
//	1-4    "HDR1"
//	5-21   file identifier: "A", SUN (6), "S", two spaces, "1", SUN (6)
//	22-27  set identification: the submission serial number of VOL1
//	28-31  file section number, "0001"
//	32-35  file sequence number, "0001"
//	36-39  generation number, spaces
//	40-41  generation version number, spaces
//	42-47  creation date, bYYDDD
//	48-53  expiration date, bYYDDD: the creation date (the earliest day
//	       the file may be overwritten; nothing here needs it kept)
//	54     accessibility indicator, space
//	55-60  block count, "000000"
//	61-73  system code, spaces
//	74-80  reserved, spaces
//
// HDR2, second file header label, 80:
//
//	1-4    "HDR2"
//	5      record format, "F" (fixed length)
//	6-10   block length, "02000"
//	11-15  record length, "00100"
//	16-50  reserved, spaces
//	51-52  buffer offset, "00"
//	53-80  reserved, spaces
//
// UHL1, user header label, 80:
//
//	1-4    "UHL1"
//	5-10   processing day, bYYDDD
//	11-20  receiving party identification, "999999" and four spaces
//	21-22  currency code, "00" (sterling)
//	23-28  country code, "000000"
//	29-37  work code, "1 DAILY" and two spaces (one processing day)
//	38-40  file number, "001"
//	41-47  reserved, spaces
//	48-54  audit print identifier, spaces
//	55-80  reserved, spaces
//
// Credit record, one per instruction, in the order given, 100:
//
//	1-6    destination sort code (the payee's)
//	7-14   destination account number
//	15     destination account type, "0"
//	16-17  transaction code, "99" (Bank Giro Credit)
//	18-23  originating sort code (the originator's account)
//	24-31  originating account number
//	32-35  free format, spaces (used only by RTI payroll payments)
//	36-46  amount in pence, 11 digits
//	47-64  service user's name: s.Originator.Name
//	65-82  service user's reference: the instruction's Reference, shown on
//	       the payee's statement; spaces when it is empty
//	83-100 destination account name: the payee's account name
//
// Contra record, one, 100: it debits the originator with the total credited,
// so the file balances.
//
//	1-6    originating sort code
//	7-14   originating account number
//	15     "0"
//	16-17  transaction code, "17" (contra debit)
//	18-23  originating sort code
//	24-31  originating account number
//	32-35  free format, spaces
//	36-46  amount in pence, 11 digits: the sum of the credits
//	47-64  narrative, shown on the originator's statement: s.ID
//	65-82  "CONTRA"
//	83-100 originating account name (s.Originator.Account.Name, or
//	       s.Originator.Name when that is empty)
//
// EOF1 is HDR1 and EOF2 is HDR2 with "EOF" in columns 1-3.
//
// UTL1, user trailer label, 80:
//
//	1-4    "UTL1"
//	5-17   value of the debit records in pence, 13 digits: the contra
//	18-30  value of the credit records in pence, 13 digits: the same total
//	31-37  count of debit records, 7 digits: 1, the contra
//	38-44  count of credit records, 7 digits
//	45-80  reserved, spaces
//
// # Limits
//
// WriteStandard18 refuses, with the field named: a submission with no
// instructions or more than 9,999,999 (UTL1's count field); an id, sort code
// (6 digits), account number (8 digits) or SUN (6 digits) that is malformed;
// an amount that is not positive; a total over £999,999,999.99, which the
// contra's 11-digit amount field cannot hold (split the payments over more
// than one file); a name with nothing the Bacs character set can carry; and a
// pay day that is not a real date, not a working day, or outside the years
// the bank holiday calendar covers.
func WriteStandard18(w io.Writer, s Submission) error {
	created, err := checkSubmission(s)
	if err != nil {
		return err
	}
	f, err := planStandard18(s, created)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	f.records(func(r record) {
		bw.Write(r) // a failed write is sticky: Flush reports it
		bw.WriteString("\r\n")
	})
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("payments: writing Standard 18 file %s: %w", s.ID, err)
	}
	return nil
}

// s18File is a validated submission with every field in its Standard 18 form.
type s18File struct {
	sun, serial         string
	created, processing string // bYYDDD
	origSort, origAcct  string
	origName, acctName  string
	narrative           string
	credits             []s18Credit
	total               int64
}

type s18Credit struct {
	sort, acct, name, ref string
	pence                 int64
}

// planStandard18 applies the checks only Standard 18 needs and converts every
// field; after it succeeds, writing cannot fail for want of room.
func planStandard18(s Submission, created time.Time) (*s18File, error) {
	o := s.Originator
	if n := len(s.Instructions); n > maxS18Items {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "Instructions",
			"%d instructions in one file; Standard 18 counts at most %d: split them over more than one file", n, maxS18Items)
	}
	processing, err := processingDay(s.PayDate)
	if err != nil {
		return nil, err
	}
	createdDay := rules.MakeDate(created.Year(), int(created.Month()), created.Day())
	f := &s18File{
		sun:        o.ServiceUserNumber,
		serial:     serialNumber(s.ID),
		created:    julian(createdDay),
		processing: julian(processing),
		origSort:   o.Account.SortCode,
		origAcct:   o.Account.Number,
		origName:   bacsText(o.Name, s18NameWidth),
		narrative:  bacsText(s.ID, s18NameWidth),
		credits:    make([]s18Credit, len(s.Instructions)),
	}
	if f.origName == "" {
		return nil, lifeline.FieldErrorf(lifeline.EINVALID, "Originator.Name",
			"originator name %q has no letter or digit Bacs can carry", clip(o.Name))
	}
	f.acctName = bacsText(o.Account.Name, s18NameWidth)
	if f.acctName == "" {
		f.acctName = f.origName
	}
	for i, in := range s.Instructions {
		if in.Amount > maxS18Amount {
			return nil, lifeline.FieldErrorf(lifeline.EINVALID, fmt.Sprintf("Instructions[%d].Amount", i),
				"amount %s is more than Standard 18's 11-digit field holds (at most 999999999.99)", in.Amount)
		}
		if f.total > maxS18Amount-int64(in.Amount) {
			return nil, lifeline.FieldErrorf(lifeline.EINVALID, "Instructions",
				"the file's total passes 999999999.99 at instruction %d, more than the contra record's 11-digit amount holds: split the payments over more than one file", i)
		}
		f.total += int64(in.Amount)
		c := s18Credit{
			sort:  in.Payee.SortCode,
			acct:  in.Payee.Number,
			name:  bacsText(in.Payee.Name, s18NameWidth),
			ref:   bacsText(in.Reference, s18NameWidth),
			pence: int64(in.Amount),
		}
		if c.name == "" {
			return nil, lifeline.FieldErrorf(lifeline.EINVALID, fmt.Sprintf("Instructions[%d].Payee.Name", i),
				"payee name %q has no letter or digit Bacs can carry", clip(in.Payee.Name))
		}
		f.credits[i] = c
	}
	return f, nil
}

// records passes every record of the file to emit in order, without line
// ends. emit may keep none of them: the credit records share one buffer.
func (f *s18File) records(emit func(record)) {
	vol := blank(labelLen)
	vol.put(1, 4, "VOL1")
	vol.put(5, 10, f.serial)
	vol.put(42, 47, f.sun)
	vol.put(80, 80, "1")

	hdr1 := f.fileLabel1("HDR1")
	hdr2 := fileLabel2("HDR2")

	uhl := blank(labelLen)
	uhl.put(1, 4, "UHL1")
	uhl.put(5, 10, f.processing)
	uhl.put(11, 16, "999999")
	uhl.put(21, 22, "00")
	uhl.put(23, 28, "000000")
	uhl.put(29, 37, "1 DAILY")
	uhl.put(38, 40, "001")
	emit(vol)
	emit(hdr1)
	emit(hdr2)
	emit(uhl)

	r := blank(recordLen)
	for _, c := range f.credits {
		r.put(1, 6, c.sort)
		r.put(7, 14, c.acct)
		r.put(15, 15, "0")
		r.put(16, 17, txCredit)
		r.put(18, 23, f.origSort)
		r.put(24, 31, f.origAcct)
		r.num(36, 46, c.pence)
		r.put(47, 64, f.origName)
		r.put(65, 82, c.ref)
		r.put(83, 100, c.name)
		emit(r)
	}

	contra := blank(recordLen)
	contra.put(1, 6, f.origSort)
	contra.put(7, 14, f.origAcct)
	contra.put(15, 15, "0")
	contra.put(16, 17, txContraDebit)
	contra.put(18, 23, f.origSort)
	contra.put(24, 31, f.origAcct)
	contra.num(36, 46, f.total)
	contra.put(47, 64, f.narrative)
	contra.put(65, 82, "CONTRA")
	contra.put(83, 100, f.acctName)
	emit(contra)

	utl := blank(labelLen)
	utl.put(1, 4, "UTL1")
	utl.num(5, 17, f.total)
	utl.num(18, 30, f.total)
	utl.num(31, 37, 1)
	utl.num(38, 44, int64(len(f.credits)))
	emit(f.fileLabel1("EOF1"))
	emit(fileLabel2("EOF2"))
	emit(utl)
}

// fileLabel1 is HDR1, or EOF1, which repeats it.
func (f *s18File) fileLabel1(id string) record {
	r := blank(labelLen)
	r.put(1, 4, id)
	r.put(5, 21, "A"+f.sun+"S  1"+f.sun)
	r.put(22, 27, f.serial)
	r.put(28, 31, "0001")
	r.put(32, 35, "0001")
	r.put(42, 47, f.created)
	r.put(48, 53, f.created)
	r.put(55, 60, "000000")
	return r
}

// fileLabel2 is HDR2, or EOF2, which repeats it.
func fileLabel2(id string) record {
	r := blank(labelLen)
	r.put(1, 4, id)
	r.put(5, 5, "F")
	r.put(6, 10, "02000")
	r.put(11, 15, "00100")
	r.put(51, 52, "00")
	return r
}

// record is one fixed-width record; its methods take columns numbered from 1,
// as the specification does.
type record []byte

func blank(n int) record {
	r := make(record, n)
	for i := range r {
		r[i] = ' '
	}
	return r
}

// put writes s left-justified into columns from-to and fills the rest of
// them with spaces. Every caller passes text already cut to fit.
func (r record) put(from, to int, s string) {
	if len(s) > to-from+1 {
		panic(fmt.Sprintf("payments: %q does not fit columns %d-%d", s, from, to))
	}
	n := copy(r[from-1:to], s)
	for i := from - 1 + n; i < to; i++ {
		r[i] = ' '
	}
}

// num writes v right-justified and zero-filled into columns from-to.
func (r record) num(from, to int, v int64) {
	s := strconv.FormatInt(v, 10)
	width := to - from + 1
	if v < 0 || len(s) > width {
		panic(fmt.Sprintf("payments: %d does not fit columns %d-%d", v, from, to))
	}
	r.put(from, to, strings.Repeat("0", width-len(s))+s)
}

// julian writes d as a Bacs date "bYYDDD": a space, the year's last two
// digits and the day of the year, 001-366.
func julian(d rules.Date) string {
	doy := rules.MakeDate(d.Year(), 1, 1).DaysUntil(d) + 1
	return fmt.Sprintf(" %02d%03d", d.Year()%100, doy)
}

// processingDay returns the Bacs processing day of a file whose money
// reaches the accounts on pay: the working day before it, since Bacs credits
// accounts on the processing day after the one it processes the file on.
// Pay day itself must be a working day.
func processingDay(pay rules.Date) (rules.Date, error) {
	if !Covers(pay) || !Covers(pay.AddDays(-14)) {
		first, last := CalendarYears()
		return 0, lifeline.FieldErrorf(lifeline.EINVALID, "PayDate",
			"pay date %s is outside the bank holiday calendar (%d to %d), so its processing day is not known", pay, first, last)
	}
	if !WorkingDay(pay) {
		why := Weekday(pay).String()
		if name, ok := BankHoliday(pay); ok {
			why = name
		}
		return 0, lifeline.FieldErrorf(lifeline.EINVALID, "PayDate",
			"pay date %s is not a working day (%s): Bacs credits accounts only on processing days", pay, why)
	}
	d := pay.AddDays(-1)
	for !WorkingDay(d) {
		d = d.AddDays(-1)
	}
	return d, nil
}

// serialNumber derives the VOL1 submission serial number from the
// submission's id: six digits, never all zeros, the same every time the same
// submission is written. Distinct ids rarely share one (about one chance in a
// million for any two).
func serialNumber(id string) string {
	h := fnv.New32a()
	h.Write([]byte(id))
	return fmt.Sprintf("%06d", h.Sum32()%999_999+1)
}

// bacsText converts s to the Bacs character set (A-Z 0-9 . & / - space) and
// cuts it to at most width characters, as the doc of WriteStandard18 says.
func bacsText(s string, width int) string {
	b := make([]byte, 0, len(s))
	space := false
	emit := func(c byte) {
		if c == ' ' {
			space = len(b) > 0
			return
		}
		if space {
			b = append(b, ' ')
			space = false
		}
		b = append(b, c)
	}
	for _, r := range s {
		r = unicode.ToUpper(r)
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '&', r == '/', r == '-':
			emit(byte(r))
		case r == '\'' || r == '\u2019' || r == '\u2018' || r == '`':
			// dropped: O'Brien is OBRIEN
		default:
			if t, ok := latinFold[r]; ok {
				for i := 0; i < len(t); i++ {
					emit(t[i])
				}
			} else {
				emit(' ')
			}
		}
	}
	if len(b) > width {
		b = []byte(strings.TrimRight(string(b[:width]), " "))
	}
	return string(b)
}

// latinFold spells upper-case accented Latin letters without their accents.
var latinFold = map[rune]string{
	'À': "A", 'Á': "A", 'Â': "A", 'Ã': "A", 'Ä': "A", 'Å': "A", 'Ā': "A", 'Ă': "A", 'Ą': "A",
	'Æ': "AE", 'Ç': "C", 'Ć': "C", 'Č': "C", 'Ď': "D", 'Đ': "D", 'Ð': "D",
	'È': "E", 'É': "E", 'Ê': "E", 'Ë': "E", 'Ē': "E", 'Ė': "E", 'Ę': "E", 'Ě': "E",
	'Ğ': "G", 'Ì': "I", 'Í': "I", 'Î': "I", 'Ï': "I", 'Ī': "I", 'Į': "I", 'İ': "I",
	'Ł': "L", 'Ñ': "N", 'Ń': "N", 'Ň': "N",
	'Ò': "O", 'Ó': "O", 'Ô': "O", 'Õ': "O", 'Ö': "O", 'Ø': "O", 'Ō': "O", 'Ő': "O", 'Œ': "OE",
	'Ř': "R", 'Ś': "S", 'Ş': "S", 'Š': "S", 'ẞ': "SS", 'ß': "SS", 'Ť': "T", 'Þ': "TH",
	'Ù': "U", 'Ú': "U", 'Û': "U", 'Ü': "U", 'Ū': "U", 'Ů': "U", 'Ű': "U", 'Ų': "U",
	'Ŵ': "W", 'Ẁ': "W", 'Ẃ': "W", 'Ẅ': "W", 'Ý': "Y", 'Ŷ': "Y", 'Ÿ': "Y", 'Ỳ': "Y",
	'Ź': "Z", 'Ż': "Z", 'Ž': "Z",
}

// checkSubmission applies the checks every file format needs and returns the
// creation time.
func checkSubmission(s Submission) (time.Time, error) {
	if err := checkID("ID", s.ID); err != nil {
		return time.Time{}, err
	}
	created, err := time.Parse(time.RFC3339, s.CreatedAt)
	if err != nil {
		return time.Time{}, lifeline.FieldErrorf(lifeline.EINVALID, "CreatedAt",
			"created at %q is not an RFC 3339 time such as \"2026-06-02T14:30:00Z\"", clip(s.CreatedAt))
	}
	if _, off := created.Zone(); off != 0 {
		return time.Time{}, lifeline.FieldErrorf(lifeline.EINVALID, "CreatedAt",
			"created at %q is not in UTC: write it with Z, such as \"2026-06-02T14:30:00Z\"", clip(s.CreatedAt))
	}
	created = created.UTC()
	if _, err := rules.ParseDate(s.PayDate.String()); err != nil {
		return time.Time{}, lifeline.FieldErrorf(lifeline.EINVALID, "PayDate", "pay date %s %v", s.PayDate, err)
	}
	o := s.Originator
	if xmlText(o.Name, 140) == "" {
		return time.Time{}, lifeline.FieldErrorf(lifeline.EINVALID, "Originator.Name", "the originator has no name")
	}
	if !isDigits(o.ServiceUserNumber, 6) {
		return time.Time{}, lifeline.FieldErrorf(lifeline.EINVALID, "Originator.ServiceUserNumber",
			"service user number %q is not valid: a Bacs SUN is six digits, such as \"123456\"", clip(o.ServiceUserNumber))
	}
	if err := checkAccount("Originator.Account", o.Account); err != nil {
		return time.Time{}, err
	}
	if len(s.Instructions) == 0 {
		return time.Time{}, lifeline.FieldErrorf(lifeline.EINVALID, "Instructions", "the submission has no instructions: a payment file pays at least one")
	}
	seen := make(map[string]int, len(s.Instructions))
	var total int64
	for i, in := range s.Instructions {
		field := fmt.Sprintf("Instructions[%d]", i)
		if err := checkID(field+".ID", in.ID); err != nil {
			return time.Time{}, err
		}
		if j, dup := seen[in.ID]; dup {
			return time.Time{}, lifeline.FieldErrorf(lifeline.EINVALID, field+".ID",
				"instruction id %q is also the id of Instructions[%d]: each payment needs its own", in.ID, j)
		}
		seen[in.ID] = i
		if err := checkAccount(field+".Payee", in.Payee); err != nil {
			return time.Time{}, err
		}
		if xmlText(in.Payee.Name, 140) == "" {
			return time.Time{}, lifeline.FieldErrorf(lifeline.EINVALID, field+".Payee.Name", "the payee's account has no name")
		}
		if in.Amount <= 0 {
			return time.Time{}, lifeline.FieldErrorf(lifeline.EINVALID, field+".Amount",
				"amount %s is not positive: a payment file carries credits of at least 0.01", in.Amount)
		}
		if total > maxFileTotal-int64(in.Amount) {
			return time.Time{}, lifeline.FieldErrorf(lifeline.EINVALID, "Instructions",
				"the file's total passes %s at instruction %d", rules.Money(maxFileTotal), i)
		}
		total += int64(in.Amount)
	}
	return created, nil
}

// maxFileTotal keeps totals inside int64 and inside the 18 digits ISO 20022
// amounts allow; Standard 18 has its own, lower, limit.
const maxFileTotal = 999_999_999_999_999_999

func checkAccount(field string, a Account) error {
	if !isDigits(a.SortCode, 6) {
		return lifeline.FieldErrorf(lifeline.EINVALID, field+".SortCode",
			"sort code %q is not valid: write the six digits alone, such as \"089999\"", clip(a.SortCode))
	}
	if !isDigits(a.Number, 8) {
		return lifeline.FieldErrorf(lifeline.EINVALID, field+".Number",
			"account number %q is not valid: write the eight digits alone, such as \"66374958\" (standardise shorter and longer numbers first)", clip(a.Number))
	}
	return nil
}

// checkID accepts the ids ISO 20022 calls Max35Text: 1 to 35 characters,
// printable, not blank.
func checkID(field, id string) error {
	n := utf8.RuneCountInString(id)
	ok := n >= 1 && n <= 35 && utf8.ValidString(id) && strings.TrimSpace(id) == id
	for _, r := range id {
		if !unicode.IsPrint(r) {
			ok = false
		}
	}
	if !ok {
		return lifeline.FieldErrorf(lifeline.EINVALID, field,
			"id %q is not valid: use 1 to 35 printable characters, without leading or trailing spaces", clip(id))
	}
	return nil
}

func isDigits(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clip shortens s for quoting in an error message.
func clip(s string) string {
	if len(s) <= 60 {
		return s
	}
	i := 60
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return s[:i] + "..."
}
