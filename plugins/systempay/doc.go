// Package systempay is the payhost plugin for Lyra's "vads" form API, used
// by Systempay (Groupe BPCE), PayZen, Sogecommerce and Lyra Collect: the
// browser posts a signed vads_* form to the platform's payment URL; the
// platform calls the shop's IPN URL (vads_url_check) server to server, which
// is the authoritative answer; the return to the shop is for display only.
//
// Refunds, captures (manual validation), cancellations and status queries
// go through Lyra's REST API V4 (HTTP Basic with the shop id and the REST
// password of the context mode); a configuration without that password
// keeps paying and withholds those operations.
//
// Files: signature.go, config.go, provider.go, begin.go, ipn.go (IPN and
// return), status.go (vads_trans_status), rest.go (the REST client and
// envelope), operations.go (refund, capture, cancel, query).
package systempay
