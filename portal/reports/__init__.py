"""Reports for a scope and a period: `content` is what a report says, `period` parses the periods it covers,
`email_body`, `workbook` and `images` render it for the Monday email and for download."""
