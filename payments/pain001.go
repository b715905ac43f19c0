package payments

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lifeline-gov/lifeline/rules"
)

// pain001Namespace is the XML namespace of pain.001.001.03 documents.
const pain001Namespace = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"

// WritePain001 writes s as an ISO 20022 CustomerCreditTransferInitiationV03
// message (pain.001.001.03), which validates against the generic schema in
// ../shared/schemas/pain.001.001.03.xsd. It makes the same checks as
// WriteStandard18, except those that only the fixed-width format's field
// widths and calendar need, and writes nothing when s is invalid: the error
// is a *lifeline.Error with code EINVALID naming the field.
//
// The document is UTF-8, indented by two spaces, with one payment
// information block for the whole submission and one credit transfer per
// instruction, in the order given. Elements and, in brackets, what they hold:
//
//	<?xml version="1.0" encoding="UTF-8"?>
//	Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
//	  CstmrCdtTrfInitn
//	    GrpHdr
//	      MsgId              [s.ID]
//	      CreDtTm            [s.CreatedAt, RFC 3339 in UTC, e.g. 2026-06-02T14:30:00Z]
//	      NbOfTxs            [number of instructions]
//	      CtrlSum            [total in pounds, e.g. 98889.88]
//	      InitgPty
//	        Nm               [s.Originator.Name]
//	        Id/OrgId/Othr
//	          Id             [the service user number]
//	          SchmeNm/Prtry  ["SUN"]
//	    PmtInf
//	      PmtInfId           [s.ID]
//	      PmtMtd             ["TRF", credit transfer]
//	      NbOfTxs, CtrlSum   [as in GrpHdr]
//	      ReqdExctnDt        [s.PayDate, YYYY-MM-DD]
//	      Dbtr/Nm            [s.Originator.Name]
//	      DbtrAcct
//	        Id/Othr/Id       [originator's account number]
//	        Nm               [originator's account name, if any]
//	      DbtrAgt/FinInstnId/ClrSysMmbId
//	        ClrSysId/Cd      ["GBDSC", UK domestic sort code]
//	        MmbId            [originator's sort code]
//	      CdtTrfTxInf        [one per instruction]
//	        PmtId/EndToEndId [Instruction.ID]
//	        Amt/InstdAmt     [amount in pounds, e.g. 123.45; attribute Ccy="GBP"]
//	        CdtrAgt/FinInstnId/ClrSysMmbId
//	          ClrSysId/Cd    ["GBDSC"]
//	          MmbId          [payee's sort code]
//	        Cdtr/Nm          [payee's account name]
//	        CdtrAcct/Id/Othr/Id [payee's account number]
//	        RmtInf/Ustrd     [Instruction.Reference; left out when empty]
//
// UK account numbers go in Othr, not IBAN: the sort code that makes them
// unique is in the agent's clearing system member id. Amounts are written
// from whole pence with two decimal places, never through floating point.
// Text is escaped by encoding/xml; names and references are written as given
// but with control characters turned to spaces, runs of white space made one
// space, and cut to the schema's lengths (140 characters, 70 for an account
// name). Ids are refused, not cut, when longer than the schema's 35
// characters: cutting could make two the same.
func WritePain001(w io.Writer, s Submission) error {
	created, err := checkSubmission(s)
	if err != nil {
		return err
	}
	total := rules.Money(0)
	for _, in := range s.Instructions {
		total += in.Amount
	}
	o := s.Originator
	count := strconv.Itoa(len(s.Instructions))
	doc := painDocument{Initn: painInitiation{
		GrpHdr: painGroupHeader{
			MsgID:   s.ID,
			CreDtTm: created.Format(time.RFC3339Nano),
			NbOfTxs: count,
			CtrlSum: total.String(),
			InitgPty: painParty{
				Nm: xmlText(o.Name, 140),
				ID: &painPartyID{OrgID: painOrgID{Othr: painGenericID{
					ID:      o.ServiceUserNumber,
					SchmeNm: &painSchemeName{Prtry: "SUN"},
				}}},
			},
		},
		PmtInf: painPaymentInfo{
			PmtInfID:    s.ID,
			PmtMtd:      "TRF",
			NbOfTxs:     count,
			CtrlSum:     total.String(),
			ReqdExctnDt: s.PayDate.String(),
			Dbtr:        painParty{Nm: xmlText(o.Name, 140)},
			DbtrAcct:    painAccount{Number: o.Account.Number, Nm: xmlText(o.Account.Name, 70)},
			DbtrAgt:     sortCodeAgent(o.Account.SortCode),
			Txs:         make([]painTransaction, len(s.Instructions)),
		},
	}}
	for i, in := range s.Instructions {
		tx := painTransaction{
			EndToEndID: in.ID,
			Amount:     painAmount{Ccy: "GBP", Value: in.Amount.String()},
			CdtrAgt:    sortCodeAgent(in.Payee.SortCode),
			Cdtr:       painParty{Nm: xmlText(in.Payee.Name, 140)},
			CdtrAcct:   painAccount{Number: in.Payee.Number},
		}
		if ref := xmlText(in.Reference, 140); ref != "" {
			tx.RmtInf = &painRemittance{Ustrd: ref}
		}
		doc.Initn.PmtInf.Txs[i] = tx
	}

	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("payments: writing pain.001 file %s: %w", s.ID, err)
	}
	bw.WriteString("\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("payments: writing pain.001 file %s: %w", s.ID, err)
	}
	return nil
}

func sortCodeAgent(sortCode string) painAgent {
	return painAgent{ClrSysID: painClearingSystem{Cd: "GBDSC"}, MmbID: sortCode}
}

// xmlText makes s fit an ISO 20022 text element of at most max characters:
// control characters and invalid UTF-8 become spaces, runs of white space
// one space, and the ends are trimmed. It may return "".
func xmlText(s string, max int) string {
	var b strings.Builder
	n := 0
	space := false
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				r = ' '
			}
		}
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			space = b.Len() > 0
			continue
		}
		need := 1
		if space {
			need = 2
		}
		if n+need > max {
			break
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
		n += need
	}
	return b.String()
}

// The XML shape; field order is the schema's sequence order.

type painDocument struct {
	XMLName xml.Name       `xml:"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03 Document"`
	Initn   painInitiation `xml:"CstmrCdtTrfInitn"`
}

type painInitiation struct {
	GrpHdr painGroupHeader `xml:"GrpHdr"`
	PmtInf painPaymentInfo `xml:"PmtInf"`
}

type painGroupHeader struct {
	MsgID    string    `xml:"MsgId"`
	CreDtTm  string    `xml:"CreDtTm"`
	NbOfTxs  string    `xml:"NbOfTxs"`
	CtrlSum  string    `xml:"CtrlSum"`
	InitgPty painParty `xml:"InitgPty"`
}

type painParty struct {
	Nm string       `xml:"Nm,omitempty"`
	ID *painPartyID `xml:"Id"`
}

type painPartyID struct {
	OrgID painOrgID `xml:"OrgId"`
}

type painOrgID struct {
	Othr painGenericID `xml:"Othr"`
}

type painGenericID struct {
	ID      string          `xml:"Id"`
	SchmeNm *painSchemeName `xml:"SchmeNm"`
}

type painSchemeName struct {
	Prtry string `xml:"Prtry"`
}

type painPaymentInfo struct {
	PmtInfID    string            `xml:"PmtInfId"`
	PmtMtd      string            `xml:"PmtMtd"`
	NbOfTxs     string            `xml:"NbOfTxs"`
	CtrlSum     string            `xml:"CtrlSum"`
	ReqdExctnDt string            `xml:"ReqdExctnDt"`
	Dbtr        painParty         `xml:"Dbtr"`
	DbtrAcct    painAccount       `xml:"DbtrAcct"`
	DbtrAgt     painAgent         `xml:"DbtrAgt>FinInstnId>ClrSysMmbId"`
	Txs         []painTransaction `xml:"CdtTrfTxInf"`
}

type painAccount struct {
	Number string `xml:"Id>Othr>Id"`
	Nm     string `xml:"Nm,omitempty"`
}

// painAgent is a bank identified by its sort code:
// FinInstnId/ClrSysMmbId's content.
type painAgent struct {
	ClrSysID painClearingSystem `xml:"ClrSysId"`
	MmbID    string             `xml:"MmbId"`
}

type painClearingSystem struct {
	Cd string `xml:"Cd"`
}

type painTransaction struct {
	EndToEndID string          `xml:"PmtId>EndToEndId"`
	Amount     painAmount      `xml:"Amt>InstdAmt"`
	CdtrAgt    painAgent       `xml:"CdtrAgt>FinInstnId>ClrSysMmbId"`
	Cdtr       painParty       `xml:"Cdtr"`
	CdtrAcct   painAccount     `xml:"CdtrAcct"`
	RmtInf     *painRemittance `xml:"RmtInf"`
}

type painAmount struct {
	Ccy   string `xml:"Ccy,attr"`
	Value string `xml:",chardata"`
}

type painRemittance struct {
	Ustrd string `xml:"Ustrd"`
}
