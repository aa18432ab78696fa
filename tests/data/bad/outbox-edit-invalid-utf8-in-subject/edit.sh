#!/bin/sh
printf "To: bureau@garda.example\nSubject: Gr\374\337e\n\nBody.\n" >"$1"
