#!/bin/sh
printf "To: bureau@garda.example\nSubject: Hi" >"$1"
