"""Social insurance (社会保险): enrolment in the five schemes, monthly contributions within
the regions' base floors and caps, arrears, benefits and their payments, transfers between
regions, retirees' yearly certification, and the insurance part of the resident summary."""
